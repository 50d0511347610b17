/* sdk_services.h: the host's services to plugins (SDK 1.5, lt_host_api):
 * lt_make, component children, and the module books (module_books.h). */
#ifndef LIGHTER_HOST_SDK_SERVICES_H
#define LIGHTER_HOST_SDK_SERVICES_H

#include "plugin.h"

/* The table handed to each plugin; lt_make builds from reg (borrowed, it
 * must outlive every plugin call). */
const lt_host_api *host_services(const host_registry *reg);
void host_child_free(lt_child *c);

#endif
