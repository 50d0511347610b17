/* module_names.h: checks the names a module gives its parameters and
 * buffers, once, when the builder has created it. */
#ifndef HOST_MODULE_NAMES_H
#define HOST_MODULE_NAMES_H

#include <lighter/lighter.h>

#include <stddef.h>

/* The names of module self (component c of plugin file `plugin`) in each
 * of its views (parameters, buffers, state): none NULL or empty, none
 * twice, parameters and buffers apart. 0, or -1 with a message in err
 * naming the plugin, the component, the view and the name. */
int host_module_names_check(const lt_component *c, const char *plugin, void *self, char *err, size_t errlen);

#endif
