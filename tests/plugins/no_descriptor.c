/* no_descriptor.c: a shared object that is not a lighter plugin. */
int not_a_plugin(void);
int not_a_plugin(void) { return 42; }
