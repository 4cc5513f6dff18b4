/* A QEMU TCG plugin for scripts/arm-counts.sh: counts the guest instructions
 * a (single-threaded) user-mode program executes and prints the total at exit
 * ("insns N"; qemu prints plugin output only with -d plugin).
 * Each instruction gets an inline add when its block is translated, so the
 * count costs a memory increment per instruction, not a callback. One
 * global counter: run the guest with one thread (OMP_NUM_THREADS=1). */
#include <inttypes.h>
#include <stdio.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t executed;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i)
    qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64,
                                               &executed, 1);
}

static void count_at_exit(qemu_plugin_id_t id, void* unused) {
  (void)id, (void)unused;
  char line[64];
  snprintf(line, sizeof line, "insns %" PRIu64 "\n", executed);
  qemu_plugin_outs(line);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv) {
  (void)info, (void)argc, (void)argv;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, count_at_exit, NULL);
  return 0;
}
