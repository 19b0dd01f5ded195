/* A plugin from a later minor version of the ABI, simulated: its info table, its field specs and
 * its hook table are all LARGER than this host's, with fields a 1.6 SDK might have appended. It
 * requires 1.2 (abi_minor) and says it was built with 1.6 (sdk_minor). The host must read the
 * prefix it knows of each struct, walk the field specs with the plugin's element size, and work.
 * Plain C, against the current header. */
#include <kangqiao/plugin.h>

/* kq_field_spec as a later SDK might have it: one more field at the end. */
typedef struct future_field_spec {
  kq_field_spec base;
  const char* example; /* the appended field; the host knows nothing of it */
} future_field_spec;

typedef struct future_vtable {
  kq_plugin_vtable base;
  void (*on_idle)(void* instance); /* an appended hook */
} future_vtable;

typedef struct future_info {
  kq_plugin_info base;
  const char* homepage; /* an appended field */
} future_info;

static const char* const kLevels[] = {"low", "high", 0};

static const future_field_spec kFields[] = {
    {{sizeof(future_field_spec), "greeting", KQ_FIELD_STRING, 0, "hello", "A text with a default.", 0, 0, 0, 0},
     "hello"},
    {{sizeof(future_field_spec), "count", KQ_FIELD_INT, 1, 0, "A required integer.", 1, 1, 9, 0}, "3"},
    {{sizeof(future_field_spec), "level", KQ_FIELD_ENUM, 0, "low", "An enumeration.", 0, 0, 0, kLevels}, "high"},
};

static const kq_host_api* g_host;

static kq_status create(kq_host_instance* host, const kq_config_view* config, void** out) {
  static int instance;
  int64_t count = 0;
  if (!g_host->config_get_int(config, "count", &count) || count < 1) {
    g_host->set_error(host, "count did not arrive");
    return KQ_ERROR;
  }
  *out = &instance;
  return KQ_OK;
}
static void destroy(void* instance) { (void)instance; }
static kq_status on_decode(void* instance, const kq_inbound* in, kq_decode_sink* out) {
  (void)instance;
  (void)in;
  (void)out;
  return KQ_OK;
}
static kq_status on_acknowledge(void* instance, const kq_inbound* in, const kq_outcome* outcome, kq_ack_sink* out) {
  (void)instance;
  (void)in;
  (void)outcome;
  (void)out;
  return KQ_OK;
}
static void on_idle(void* instance) { (void)instance; }

static const future_vtable kVtable = {{sizeof(future_vtable), create, destroy, on_decode, on_acknowledge}, on_idle};

static const future_info kInfo = {{sizeof(future_info), KQ_PLUGIN_ABI_MAJOR, 2, "test_future", "0.0.1",
                                   "a plugin from a later minor", &kFields[0].base,
                                   sizeof(kFields) / sizeof(kFields[0]), &kVtable.base, 6,
                                   sizeof(future_field_spec)},
                                  "https://example.org"};

KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host) {
  g_host = host;
  return &kInfo.base;
}
