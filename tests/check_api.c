/* check_api.c: the function table. A plugin built with no link flags is
 * dlopened, handed lt_api_get(), and computes through it; the table's
 * size/ABI fields guard binding. */
#include "testutil.h"

#include <dlfcn.h>

static void *open_plugin(void) {
  const char *dir = getenv("LT_TEST_PLUGINS");
  char path[512];
  snprintf(path, sizeof path, "%s/table_user.so", dir ? dir : "build/tests/plugins");
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
  return h;
}

START_TEST(test_table_fields) {
  const lt_api *api = lt_api_get();
  ck_assert_uint_eq(api->size, sizeof(lt_api));
  ck_assert_uint_eq(api->abi_major, LT_ABI_MAJOR);
  ck_assert_uint_eq(api->abi_minor, LT_ABI_MINOR);
  ck_assert_ptr_eq((void *)api->lt_tensor_add, (void *)lt_tensor_add);
  ck_assert_ptr_eq((void *)api->lt_state_load, (void *)lt_state_load);
  /* Every slot is filled. */
  void *const *slots = (void *const *)((const char *)api + offsetof(lt_api, lt_version));
  size_t n = (sizeof(lt_api) - offsetof(lt_api, lt_version)) / sizeof(void *);
  for (size_t i = 0; i < n; i++) ck_assert_msg(slots[i] != NULL, "table slot %zu is empty", i);
}
END_TEST

START_TEST(test_plugin_through_table) {
  void *h = open_plugin();
  int (*bind_fn)(const lt_api *) = (int (*)(const lt_api *))dlsym(h, "table_user_bind");
  double (*run_fn)(void) = (double (*)(void))dlsym(h, "table_user_run");
  const char *(*fail_fn)(void) = (const char *(*)(void))dlsym(h, "table_user_fail");
  ck_assert(bind_fn && run_fn && fail_fn);
  /* A table from another major, or an older (smaller) one, is refused. */
  lt_api other = *lt_api_get();
  other.abi_major = LT_ABI_MAJOR + 1;
  ck_assert_int_eq(bind_fn(&other), LT_ERR_ABI);
  other = *lt_api_get();
  other.size = sizeof(lt_api) - sizeof(void *);
  ck_assert_int_eq(bind_fn(&other), LT_ERR_ABI);
  ck_assert_int_eq(bind_fn(NULL), LT_ERR_ABI);
  ck_assert_int_eq(bind_fn(lt_api_get()), LT_OK);
  int64_t live = lt_live_tensors();
  /* x = [[0,1],[2,3],[4,5]], w = [1,1]: y = [1,5,9], mse = 107/3 */
  ck_assert(fabs(run_fn() - 107.0 / 3) < 1e-4);
  ck_assert_int_eq(lt_live_tensors(), live); /* the plugin's scope freed all */
  lt_clear_error();
  const char *e = fail_fn();
  ck_assert_ptr_nonnull(strstr(e, "lt_tensor_matmul([2, 3] float32, [2, 3] float32)"));
  dlclose(h);
}
END_TEST

Suite *api_suite(void) {
  Suite *s = suite_create("api");
  LT_TCASE(s, test_table_fields);
  LT_TCASE(s, test_plugin_through_table);
  return s;
}
