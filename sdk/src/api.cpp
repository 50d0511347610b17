// api.cpp: the function table handed to plugins (struct lt_api). It is
// generated from the same list as the prototypes, so the two cannot drift.
// This file includes no libtorch header.
#define LT__BUILDING_LIBRARY 1
#include <lighter/lighter.h>

static const lt_api g_api = {
    sizeof(lt_api), LT_ABI_MAJOR, LT_ABI_MINOR,
#define LT__API_ENTRY(ret, name, params, args) name,
#define LT__API_ENTRY_V(name, params, args) name,
    LT_API_FUNCS(LT__API_ENTRY, LT__API_ENTRY_V)
#undef LT__API_ENTRY
#undef LT__API_ENTRY_V
};

extern "C" const lt_api *lt_api_get(void) { return &g_api; }
