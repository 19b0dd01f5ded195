/* A plain-C plugin whose declared ABI version is set at compile time, to test the handshake.
 * Being C, it also proves that plugin.h needs no C++. */
#include <kangqiao/plugin.h>

static kq_status create(kq_host_instance* host, const kq_config_view* config, void** out) {
  (void)host;
  (void)config;
  static int instance;
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
static kq_status on_acknowledge(void* instance, const kq_inbound* in, const kq_outcome* outcome,
                                kq_ack_sink* out) {
  (void)instance;
  (void)in;
  (void)outcome;
  (void)out;
  return KQ_OK;
}

static const kq_plugin_vtable vtable = {sizeof(kq_plugin_vtable), create, destroy, on_decode,
                                        on_acknowledge};
static const kq_plugin_info info = {sizeof(kq_plugin_info), TEST_ABI_MAJOR, TEST_ABI_MINOR,
                                    TEST_PLUGIN_NAME, "0.0.1", "handshake test plugin", 0, 0,
                                    &vtable, TEST_ABI_MINOR, sizeof(kq_field_spec)};

KQ_PLUGIN_EXPORT const kq_plugin_info* kq_plugin_entry(const kq_host_api* host) {
#ifdef TEST_REFUSE_HOST
  /* Pretends to need host functions from a minor version the host does not have. */
  if (host->abi_minor < 99) return 0;
#else
  (void)host;
#endif
  return &info;
}
