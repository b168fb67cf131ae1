"""Log-in: password accounts, WeChat mini-program accounts, expiring revocable bearer tokens."""
