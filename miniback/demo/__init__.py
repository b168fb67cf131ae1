"""The embedded demo: its data set (``seed``), its server (``server``) and the local WeChat stub it and the tests
run (``wechat_stub``)."""
