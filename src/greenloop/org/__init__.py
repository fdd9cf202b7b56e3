"""Organisation: regions, units, people, roles, grids, chiefs, 包保, duties."""
