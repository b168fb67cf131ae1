"""The data interface (数据接口) for in-house and third-party platforms: their lifecycle and keys, the maintenance
units' authorisations, verifying signed requests, uploads through the same domain operations as the mini-program,
the call log, conformance and figures, and callbacks. Below the API and the jobs, above the records domain."""
