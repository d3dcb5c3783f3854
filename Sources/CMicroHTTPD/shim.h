#pragma once
/* GNU libmicrohttpd (Debian libmicrohttpd-dev): the console's and /metrics' HTTP server. */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdarg.h>
#include <microhttpd.h>

/* MHD_get_connection_info is variadic, which Swift cannot call: the peer address through a fixed signature. */
static inline const struct sockaddr *camsift_mhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}
