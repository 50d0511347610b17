/* alloc.h: the malloc settings of a run (see alloc.c). */
#ifndef HOST_ALLOC_H
#define HOST_ALLOC_H

/* Fixes glibc's mmap and trim thresholds unless the user set them (or
 * LIGHTER_MALLOC=system); 1 when they were set. Call before the tensor
 * layer allocates. */
int host_alloc_tune(void);

#endif
