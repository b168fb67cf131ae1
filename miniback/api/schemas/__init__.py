"""The API's request and response schemas (pydantic): they validate at the edge and generate the OpenAPI document.

``fields`` holds the constrained field types every area shares; ``units`` the unit schemas; ``records`` the record
schemas (points, items, drafts, records, the records query), which the on-site, due and sign-off endpoints use too.
The other areas still declare their few schemas beside their views.
"""
