"""Development helpers: the local WeChat API stub used by tests and the embedded demo."""
