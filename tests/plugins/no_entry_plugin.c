/* A shared library that forgot its entry point: it exports something else. */
#include <kangqiao/plugin.h>

KQ_PLUGIN_EXPORT int kq_plugin_entry_typo(void) { return 42; }
