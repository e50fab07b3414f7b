/* tests/sim exports a few synic_* symbols of its own (its model of the SynICs), which
 * collide with the runtime's synic/. The end-to-end test compiles the simulator through
 * these wrappers so the simulator's names become sim_model_*; the simulator itself is
 * unchanged. */
#define synic_msr_read sim_model_synic_msr_read
#define synic_msr_write sim_model_synic_msr_write
#define synic_post sim_model_synic_post
#define synic_signal sim_model_synic_signal
#define synic_for sim_model_synic_for
#define synic_raise sim_model_synic_raise
#define synic_reset sim_model_synic_reset
#define synic_deliver_queues sim_model_synic_deliver_queues
