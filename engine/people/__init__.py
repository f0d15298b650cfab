"""Users, roles, departments and grids."""
