/*
 * The integration-component (IC) wire formats: every byte layout that travels on the
 * Shutdown, Time Sync, Heartbeat, KVP and VSS channels. One header, packed structs,
 * little-endian, each size asserted. Offsets were checked against:
 *   L  Linux include/linux/hyperv.h (vmbuspipe_hdr, icmsg_hdr, icmsg_negotiate,
 *      shutdown_msg_data, heartbeat_msg_data, ictimesync_data, ictimesync_ref_data,
 *      ICMSGTYPE_*, ICMSGHDRFLAG_*) and include/uapi/linux/hyperv.h (hv_kvp_*, hv_vss_*,
 *      KVP_OP_*, KVP_POOL_*, HV_S_OK..HV_ERROR_DISK_FULL, REG_*)
 *   O  openvmm vm/devices/hyperv_ic_protocol/src/{lib,shutdown,heartbeat,timesync,kvp,
 *      vss}.rs (Header, Status, NegotiateMessage, the per-IC structs) and
 *      vm/devices/vmbus/vmbus_ring/src/lib.rs (PipeHeader, PIPE_PACKET_TYPE_*)
 * Facts and sources: /work/shared/reference/ic.md, docs/ic.md. Where L and O differ in
 * a size, both are noted; the guest accepts the smaller (the minimum) and the struct is
 * the larger.
 *
 * A message is the payload of one VMBus in-band packet (type 6):
 *   +0  struct ic_pipe_hdr   8
 *   +8  struct ic_hdr        20
 *   +28 body                 ic_hdr.size bytes
 */
#ifndef UMBRA_IC_WIRE_H
#define UMBRA_IC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define IC_PACKED __attribute__((packed))

/* ---- pipe framing (O vmbus_ring PipeHeader; L vmbuspipe_hdr {flags, msgsize}) ---- */
struct ic_pipe_hdr {
	uint32_t type;          /* IC_PIPE_DATA; O: 2 PARTIAL, 3/4 GPA-direct setup/teardown */
	uint32_t len;           /* bytes after this header (O: the message length) */
} IC_PACKED;
_Static_assert(sizeof(struct ic_pipe_hdr) == 8, "pipe header");
#define IC_PIPE_DATA    1u
#define IC_PIPE_PARTIAL 2u      /* O: "the opposite endpoint will never write this type" */
/* O MAXIMUM_PIPE_PACKET_SIZE: the largest pipe payload. */
#define IC_PIPE_MAX_PAYLOAD 16384u

/* ---- ICMSG header (L icmsg_hdr, O Header) ---- */
struct ic_version {
	uint16_t major;
	uint16_t minor;
} IC_PACKED;
_Static_assert(sizeof(struct ic_version) == 4, "version");

struct ic_hdr {
	struct ic_version fw;   /* +0  framework version (icverframe) */
	uint16_t type;          /* +4  IC_MSG_* (icmsgtype) */
	struct ic_version msg;  /* +6  message version (icvermsg) */
	uint16_t size;          /* +10 body bytes after this header (icmsgsize) */
	uint32_t status;        /* +12 HRESULT, IC_S_* / IC_E_* */
	uint8_t trans_id;       /* +16 echoed in the response (ictransaction_id) */
	uint8_t flags;          /* +17 IC_FLAG_* (icflags) */
	uint8_t reserved[2];    /* +18 */
} IC_PACKED;
_Static_assert(sizeof(struct ic_hdr) == 20, "icmsg header");
_Static_assert(offsetof(struct ic_hdr, size) == 10, "icmsgsize");
_Static_assert(offsetof(struct ic_hdr, status) == 12, "status");
_Static_assert(offsetof(struct ic_hdr, trans_id) == 16, "transaction id");

/* Pipe header + ICMSG header: where the body starts (L ICMSG_HDR). */
#define IC_PREFIX (sizeof(struct ic_pipe_hdr) + sizeof(struct ic_hdr))
_Static_assert(IC_PREFIX == 28, "ICMSG_HDR");

/* icmsgtype (O MessageType; L ICMSGTYPE_* defines 0..5 and 7). */
#define IC_MSG_NEGOTIATE 0u
#define IC_MSG_HEARTBEAT 1u
#define IC_MSG_KVP       2u
#define IC_MSG_SHUTDOWN  3u
#define IC_MSG_TIMESYNC  4u
#define IC_MSG_VSS       5u
#define IC_MSG_RDV       6u
#define IC_MSG_FCOPY     7u     /* O GUEST_INTERFACE */
#define IC_MSG_VM_SESSION 8u

/* icflags (L ICMSGHDRFLAG_*, O HeaderFlags); bits 3..7 reserved. A host request carries
 * TRANSACTION|REQUEST (0x03), the guest's response TRANSACTION|RESPONSE (0x05). */
#define IC_FLAG_TRANSACTION 0x01u
#define IC_FLAG_REQUEST     0x02u
#define IC_FLAG_RESPONSE    0x04u

/* Status (L uapi HV_*, O Status). */
#define IC_S_OK                 0x00000000u
#define IC_E_FAIL               0x80004005u
#define IC_S_CONT               0x80070103u     /* L HV_S_CONT, O NO_MORE_ITEMS */
#define IC_E_NOT_SUPPORTED      0x80070032u
#define IC_E_MACHINE_LOCKED     0x800704F7u
#define IC_E_DEVICE_NOT_CONNECTED 0x8007048Fu
#define IC_E_INVALIDARG         0x80070057u
#define IC_E_GUID_NOTFOUND      0x80041002u     /* O NOT_FOUND */
#define IC_E_ALREADY_EXISTS     0x80070050u
#define IC_E_DISK_FULL          0x80070070u

/* ---- NEGOTIATE body (type 0; L icmsg_negotiate, O NegotiateMessage) ----
 * Followed by fw_count framework versions, then msg_count message versions. Request:
 * size = 8 + 4 * (fw_count + msg_count). Response: counts 1/1 (the chosen pair) or 0/0
 * (no match, L vmbus_prep_negotiate_resp), size 16. */
struct ic_negotiate {
	uint16_t fw_count;      /* icframe_vercnt */
	uint16_t msg_count;     /* icmsg_vercnt */
	uint32_t reserved;
} IC_PACKED;
_Static_assert(sizeof(struct ic_negotiate) == 8, "negotiate");
/* L IC_VERSION_NEGOTIATION_MAX_VER_COUNT: more versions in either list is malformed. */
#define IC_NEGOTIATE_MAX_COUNT 100u
#define IC_NEGOTIATE_RESP_SIZE (sizeof(struct ic_negotiate) + 2 * sizeof(struct ic_version))
_Static_assert(IC_NEGOTIATE_RESP_SIZE == 16, "negotiate response body");

/* ---- SHUTDOWN body (type 3; L shutdown_msg_data, O ShutdownMessage), 2060 bytes.
 * L requires the whole body; FreeBSD accepts >= 12 (VMBUS_ICMSG_SHUTDOWN_SIZE_MIN). */
struct ic_shutdown {
	uint32_t reason_code;   /* O sends SHTDN_REASON_FLAG_PLANNED 0x80000000 */
	uint32_t timeout_seconds;
	uint32_t flags;         /* IC_SHUTDOWN_* */
	uint8_t display_message[2048];  /* encoding unverified (O sends zeros) */
} IC_PACKED;
_Static_assert(sizeof(struct ic_shutdown) == 2060, "shutdown");
_Static_assert(offsetof(struct ic_shutdown, flags) == 8, "shutdown flags");
#define IC_SHUTDOWN_MIN       12u
#define IC_SHUTDOWN_FORCE     0x1u
#define IC_SHUTDOWN_RESTART   0x2u
#define IC_SHUTDOWN_HIBERNATE 0x4u

/* ---- HEARTBEAT body (type 1). L heartbeat_msg_data is 40 bytes (seq + reserved[8]);
 * O HeartbeatMessage is 16 (seq, application_state, reserved[4]). L and FreeBSD need only
 * the 8-byte sequence ("the host may not fill it up entirely", L hv_util.c
 * heartbeat_onchannelcallback). Answer: seq + 1, the rest as received. */
struct ic_heartbeat {
	uint64_t seq;
	uint32_t app_state;     /* O ApplicationState: IC_HB_STATE_*; L reserved[0] */
	uint8_t reserved[28];
} IC_PACKED;
_Static_assert(sizeof(struct ic_heartbeat) == 40, "heartbeat");
_Static_assert(offsetof(struct ic_heartbeat, app_state) == 8, "application_state");
#define IC_HEARTBEAT_MIN 8u
#define IC_HB_STATE_UNKNOWN  0u
#define IC_HB_STATE_HEALTHY  1u
#define IC_HB_STATE_CRITICAL 2u
#define IC_HB_STATE_STOPPED  3u

/* ---- TIMESYNC bodies (type 4). parent_time: 100 ns units since 1601-01-01 UTC. ---- */
/* Before 4.0: L ictimesync_data (25, packed), O TimesyncMessage (28). */
struct ic_timesync_v1 {
	uint64_t parent_time;
	uint64_t child_time;    /* O: unused */
	uint64_t round_trip;    /* "the measured round trip time by the parent" */
	uint8_t flags;          /* IC_TS_* */
	uint8_t reserved[3];    /* O only */
} IC_PACKED;
_Static_assert(sizeof(struct ic_timesync_v1) == 28, "timesync v1/v3");
_Static_assert(offsetof(struct ic_timesync_v1, flags) == 24, "timesync flags");
#define IC_TIMESYNC_V1_MIN 25u
/* 4.0 and later: L ictimesync_ref_data (22, packed), O TimesyncMessageV4 (24). */
struct ic_timesync_v4 {
	uint64_t parent_time;
	uint64_t vm_ref_time;   /* partition reference time (100 ns) when the parent sampled */
	uint8_t flags;          /* IC_TS_* */
	uint8_t leap;           /* NTP leap indicator */
	uint8_t stratum;        /* NTP stratum */
	uint8_t reserved[5];    /* L 3, O 5 */
} IC_PACKED;
_Static_assert(sizeof(struct ic_timesync_v4) == 24, "timesync v4");
_Static_assert(offsetof(struct ic_timesync_v4, flags) == 16, "timesync v4 flags");
#define IC_TIMESYNC_V4_MIN 22u
#define IC_TS_PROBE  0x0u
#define IC_TS_SYNC   0x1u       /* a hard request to set the clock (L adj_guesttime) */
#define IC_TS_SAMPLE 0x2u       /* a hint */
/* 1601-01-01 to 1970-01-01 in 100 ns units (L WLTIMEDELTA, O EPOCH). */
#define IC_TS_EPOCH_DELTA 116444736000000000ull

/* ---- KVP bodies (type 2; L uapi hv_kvp_*, O kvp.rs) ---- */
struct ic_kvp_hdr {
	uint8_t op;             /* IC_KVP_OP_* */
	uint8_t pool;           /* IC_KVP_POOL_* */
	uint16_t pad;
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_hdr) == 4, "kvp header");
#define IC_KVP_KEY_BYTES   512u         /* UTF-16LE incl. NUL (HV_KVP_EXCHANGE_MAX_KEY_SIZE) */
#define IC_KVP_VALUE_BYTES 2048u        /* HV_KVP_EXCHANGE_MAX_VALUE_SIZE */
/* L hv_kvp_exchg_msg_value, O Value. key_size/value_size in bytes, NUL included. */
struct ic_kvp_value {
	uint32_t value_type;    /* IC_KVP_REG_* */
	uint32_t key_size;
	uint32_t value_size;
	uint8_t key[IC_KVP_KEY_BYTES];
	uint8_t value[IC_KVP_VALUE_BYTES];
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_value) == 2572, "kvp value");
/* GET / SET (L hv_kvp_msg_get/_set, O MessageGetSet): 2576 bytes. */
struct ic_kvp_get_set {
	struct ic_kvp_hdr hdr;
	struct ic_kvp_value v;
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_get_set) == 2576, "kvp get/set");
_Static_assert(offsetof(struct ic_kvp_get_set, v.key) == 16, "kvp key");
_Static_assert(offsetof(struct ic_kvp_get_set, v.value) == 528, "kvp value bytes");
/* DELETE (L hv_kvp_msg_delete, O MessageDelete): 520 bytes. */
struct ic_kvp_delete {
	struct ic_kvp_hdr hdr;
	uint32_t key_size;
	uint8_t key[IC_KVP_KEY_BYTES];
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_delete) == 520, "kvp delete");
/* ENUMERATE (L hv_kvp_msg_enumerate, O MessageEnumerate; O KvpMessage 2 + 2578): 2580. */
struct ic_kvp_enumerate {
	struct ic_kvp_hdr hdr;
	uint32_t index;
	struct ic_kvp_value v;
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_enumerate) == 2580, "kvp enumerate");
_Static_assert(offsetof(struct ic_kvp_enumerate, v.key) == 20, "kvp enum key");
_Static_assert(offsetof(struct ic_kvp_enumerate, v.value) == 532, "kvp enum value");
/* GET_IP_INFO / SET_IP_INFO, string form (L hv_kvp_ip_msg: no padding after op/pool;
 * O KvpMessage2 2 + 0x1d02, MessageIpAddressInfo): 7428 bytes. */
struct ic_kvp_ip_info {
	uint8_t op;
	uint8_t pool;
	uint16_t adapter_id[128];
	uint8_t addr_family;    /* 0 none, 1 v4, 2 v6 (O 3 both) */
	uint8_t dhcp_enabled;
	uint16_t ip_addr[1024];
	uint16_t sub_net[1024];
	uint16_t gate_way[512];
	uint16_t dns_addr[1024];
} IC_PACKED;
_Static_assert(sizeof(struct ic_kvp_ip_info) == 7428, "kvp ip info");
_Static_assert(offsetof(struct ic_kvp_ip_info, ip_addr) == 260, "kvp ip_addr");
#define IC_KVP_OP_GET         0u
#define IC_KVP_OP_SET         1u
#define IC_KVP_OP_DELETE      2u
#define IC_KVP_OP_ENUMERATE   3u
#define IC_KVP_OP_GET_IP_INFO 4u
#define IC_KVP_OP_SET_IP_INFO 5u
#define IC_KVP_POOL_EXTERNAL      0u
#define IC_KVP_POOL_GUEST         1u
#define IC_KVP_POOL_AUTO          2u
#define IC_KVP_POOL_AUTO_EXTERNAL 3u
#define IC_KVP_POOL_AUTO_INTERNAL 4u    /* O: never exchanged between host and guest */
#define IC_KVP_REG_SZ        1u
#define IC_KVP_REG_EXPAND_SZ 2u         /* O only */
#define IC_KVP_REG_DWORD     4u         /* L REG_U32 */
/* 64-bit values: L uapi REG_U64 = 8, O QWORD = 11 (the Windows REG_QWORD code); which
 * the real host uses is unverified: emit neither. */
#define IC_KVP_REG_U64_LINUX 8u
#define IC_KVP_REG_QWORD     11u

/* ---- VSS bodies (type 5; L uapi hv_vss_*, O vss.rs) ---- */
struct ic_vss_hdr {
	uint8_t op;             /* IC_VSS_OP_* */
	uint8_t reserved[7];
} IC_PACKED;
_Static_assert(sizeof(struct ic_vss_hdr) == 8, "vss header");
/* L hv_vss_msg: the header, then one u32 (check_feature.flags / dm_info.flags): 12 bytes,
 * what L requires (hv_vss_onchannelcallback). O's VssMessage (header, 7 reserved,
 * 24 data) and the FREEZE forms with LUN lists are larger; only these 12 are read. */
struct ic_vss_msg {
	struct ic_vss_hdr hdr;
	uint32_t flags;
} IC_PACKED;
_Static_assert(sizeof(struct ic_vss_msg) == 12, "vss message");
#define IC_VSS_MIN 12u
#define IC_VSS_OP_CREATE      0u
#define IC_VSS_OP_DELETE      1u
#define IC_VSS_OP_HOT_BACKUP  2u
#define IC_VSS_OP_GET_DM_INFO 3u
#define IC_VSS_OP_BU_COMPLETE 4u
#define IC_VSS_OP_FREEZE      5u        /* >= 5.0 */
#define IC_VSS_OP_THAW        6u
#define IC_VSS_OP_AUTO_RECOVER 7u
#define IC_VSS_OP_QUERY_CLUSTER 8u      /* O, >= 6.0 */

#endif
