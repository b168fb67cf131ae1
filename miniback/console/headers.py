"""The console's Content-Security-Policy: scripts only from the build itself, so typed-in HTML can never run.

Element Plus positions popovers with inline ``style`` attributes, hence ``'unsafe-inline'`` for styles only.
Images may be ``data:``/``blob:`` (QR codes drawn in the page) or the API's own (labels, signatures).
"""

CONSOLE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
