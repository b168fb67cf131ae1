"""The API's request and response schemas (pydantic): they validate at the edge and generate the OpenAPI document.

``fields`` holds the constrained field types every area shares; ``records`` the record schemas (points, items,
drafts, records, the record query) that the draft, on-site, due and sign-off endpoints use too.
"""
