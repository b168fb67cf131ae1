"""Statistics (issue 17): indicator definitions, their rollups and how a figure is read from them.

Reads records, sign-off, the registry and delay notices; nothing below the API imports it except the jobs (the
catch-up). What writers below it need (marking a day or an elevator for recomputation) lives in
``miniback.projections.stats_dirty``."""
