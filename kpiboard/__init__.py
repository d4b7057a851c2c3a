"""KPI board: Japanese public-sector KPIs, their data and their progress rules."""
