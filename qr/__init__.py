"""Elevator codes: public code format, QR rendering (PNG/SVG), printable labels, WeChat mini-program codes."""
