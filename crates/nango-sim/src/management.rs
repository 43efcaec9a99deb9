//! Reserved for the "Nango Management MCP" endpoint (`logs_list_operations`,
//! `logs_get_operation`) the simulator will serve on its own path, together with a seeded
//! run history per sync. Nothing here yet: this module marks the boundary so that work lands
//! beside, not inside, the REST routes.
