"""Elevator codes: the public URL, QR rendering (PNG/SVG), printable labels and sheets, mini-program codes."""
