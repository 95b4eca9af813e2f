// `/api/webhooks` and `/api/routines`: CRUD over the registries in storage
// (webhook secrets shown once at creation or rotation, masked afterwards;
// routine cron expressions validated). Reads come from the store; writes go
// through the storage actor and are answered after the commit. The engines
// that invoke webhooks and fire routines build on these records.
#pragma once

#include "actors/http_context.hpp"

namespace wingman::actors {

/// Handles the automation routes; false when `req.path` is not one of them.
bool handle_automations(const http_context& ctx,
                        const transport::http_request& req,
                        transport::http_responder& respond);

} // namespace wingman::actors
