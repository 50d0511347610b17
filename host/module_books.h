/* module_books.h: the books of modules made with lt_module_new (SDK 1.5):
 * see module_books.c. Each is a member of lt_host_api. */
#ifndef LIGHTER_HOST_MODULE_BOOKS_H
#define LIGHTER_HOST_MODULE_BOOKS_H

#include <lighter/lighter.h>

void *host_module_new(size_t size);
lt_tensor *host_module_register(void *self, lt_module_part part, const char *name, lt_tensor *t);
lt_child *host_module_add(void *self, const char *name, lt_child *child);
size_t host_module_tensors(void *self, lt_module_part part, lt_tensor **out, const char **names, size_t max);
void host_module_train(void *self, int mode);
int host_module_training(void *self);
lt_status host_module_done(void *self, void **out, char *err, size_t errlen);
void host_module_free(void *self);

/* Any module's part through its table: parameters(), buffers(), or the
 * state-dict order (its state(), or parameters then buffers when it has
 * none, right for a leaf), the protocol of lt_module_ops. */
size_t host_module_part(const lt_module_ops *ops, void *self, lt_module_part part, lt_tensor **t, const char **names,
                        size_t max);

#endif
