"""Rows and requests the tests need, by area: registry (accounts, units, org nodes, elevators, tokens), records
(a technician's walk through a job), signoff (records ready for sign-off), ledger, public (records written
straight into the tables) and signatures (the one signature-image builder)."""
