"""The registry: maintenance units, use units, staff and their hierarchy, elevators. Operations flush, never commit."""
