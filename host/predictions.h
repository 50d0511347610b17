/* predictions.h: what `predict --return_predictions` keeps of each step. */
#ifndef HOST_PREDICTIONS_H
#define HOST_PREDICTIONS_H

#include <lighter/lighter.h>

#include <stddef.h>

/* Appends to the list preds a copy of everything the predict step put in
 * out (borrowed): every key, tensors detached, nested dicts and lists
 * copied. LT_OK, or an error status with lt_last_error set. */
lt_status host_predictions_keep(lt_state *preds, const lt_state *out);

/* "pred, id, input": the keys of the first batch kept, for the message
 * that says where predictions went. */
void host_predictions_keys(const lt_state *preds, char *buf, size_t len);

#endif
