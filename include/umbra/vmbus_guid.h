/*
 * VMBus GUIDs: the type, its text form, and the class (interface type) GUIDs of the
 * well-known Hyper-V devices. Included by umbra/vmbus.h; usable on its own.
 *
 * Byte order: struct vmbus_guid holds a GUID as VMBus carries it in an offer (and as
 * Windows and UEFI store a GUID in memory): the first three fields little-endian, the
 * last eight bytes as written. The text "0e0b6031-5213-4934-818b-38d90ced39db" is the
 * bytes 31 60 0b 0e 13 52 34 49 81 8b 38 d9 0c ed 39 db (Linux include/linux/hyperv.h
 * GUID_INIT, openvmm guid crate Guid { data1, data2, data3, data4 }).
 *
 * These functions need no runtime state (callable before VMBus is up, and on the host)
 * and never crash on bad arguments.
 */
#ifndef UMBRA_VMBUS_GUID_H
#define UMBRA_VMBUS_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <umbra/errno.h>

/* A GUID in VMBus wire byte order (first three fields little-endian). */
struct vmbus_guid {
	uint8_t b[16];
};

/* Buffer size for vmbus_guid_format: 36 characters and the NUL. */
#define VMBUS_GUID_STR_LEN 37

/* Parse the text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits of either case),
 * optionally inside one pair of braces "{...}", and nothing else: no blanks, no trailing
 * characters. 0 on success; UMBRA_EINVAL for NULL arguments or any other text, and then
 * *out is left unchanged. The text may be untrusted (load options, files). */
int vmbus_guid_parse(const char *text, struct vmbus_guid *out);

/* Write g's text form (lower case, no braces) and a NUL into buf. Returns 36, or
 * UMBRA_EINVAL for NULL g/buf or size < VMBUS_GUID_STR_LEN (buf[0] = '\0' then, when
 * buf is not NULL and size > 0). */
int vmbus_guid_format(const struct vmbus_guid *g, char *buf, size_t size);

/* a and b hold the same 16 bytes; false when either is NULL. */
bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b);

/* A short name for a well-known class GUID below ("scsi", "net", "shutdown", ...), or
 * NULL for any other GUID and for NULL. The string is static. */
const char *vmbus_guid_name(const struct vmbus_guid *g);

/* An initializer from the text form's fields, as in
 * {d1-d2-d3-d4[0]d4[1]-d4[2]...d4[7]}:
 *   static const struct vmbus_guid scsi = VMBUS_CLASS_SCSI;
 *   vmbus_find(&(const struct vmbus_guid)VMBUS_CLASS_SCSI, 0, &info);   */
#define VMBUS_GUID_INIT(d1, d2, d3, a0, a1, a2, a3, a4, a5, a6, a7) { {                  \
	(uint8_t)((d1) & 0xff), (uint8_t)(((d1) >> 8) & 0xff),                           \
	(uint8_t)(((d1) >> 16) & 0xff), (uint8_t)(((d1) >> 24) & 0xff),                  \
	(uint8_t)((d2) & 0xff), (uint8_t)(((d2) >> 8) & 0xff),                           \
	(uint8_t)((d3) & 0xff), (uint8_t)(((d3) >> 8) & 0xff),                           \
	(uint8_t)(a0), (uint8_t)(a1), (uint8_t)(a2), (uint8_t)(a3),                      \
	(uint8_t)(a4), (uint8_t)(a5), (uint8_t)(a6), (uint8_t)(a7) } }

/*
 * Well-known class GUIDs (the offer's interface type). Sources, by short name:
 *   L  torvalds/linux include/linux/hyperv.h, the HV_*_GUID macro named
 *   O  microsoft/openvmm vm/devices/, the file and constant named
 *   M  microsoft/mu_msvm MsvmPkg/MsvmPkg.dec, the gSynthetic*ClassGuid named
 * vmbus/tests/vmbus_guid_test.c parses each text form below and compares it with the
 * macro. Class GUIDs only: instance GUIDs are the host's to choose.
 */

/* Integration components (Hyper-V "ICs"). */
/* 0e0b6031-5213-4934-818b-38d90ced39db  L HV_SHUTDOWN_GUID;
 *   O hyperv_ic_protocol/src/shutdown.rs INTERFACE_ID */
#define VMBUS_CLASS_SHUTDOWN \
	VMBUS_GUID_INIT(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
/* 9527e630-d0ae-497b-adce-e80ab0175caf  L HV_TS_GUID;
 *   O hyperv_ic_protocol/src/timesync.rs INTERFACE_ID */
#define VMBUS_CLASS_TIMESYNC \
	VMBUS_GUID_INIT(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
/* 57164f39-9115-4e78-ab55-382f3bd5422d  L HV_HEART_BEAT_GUID;
 *   O vmbus_core/src/protocol.rs HEARTBEAT_IC */
#define VMBUS_CLASS_HEARTBEAT \
	VMBUS_GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
/* a9a0f4e7-5a45-4d96-b827-8a841e8c03e6  L HV_KVP_GUID;
 *   O hyperv_ic_protocol/src/kvp.rs INTERFACE_ID */
#define VMBUS_CLASS_KVP \
	VMBUS_GUID_INIT(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)
/* 35fa2e29-ea23-4236-96ae-3a6ebacba440  L HV_VSS_GUID; O vmbus_core/src/protocol.rs VSS_IC */
#define VMBUS_CLASS_VSS \
	VMBUS_GUID_INIT(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40)
/* 34d14be3-dee4-41c8-9ae7-6b174977c192  L HV_FCOPY_GUID (guest file copy) */
#define VMBUS_CLASS_FCOPY \
	VMBUS_GUID_INIT(0x34d14be3, 0xdee4, 0x41c8, 0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92)
/* 276aacf4-ac15-426c-98dd-7521ad3f01fe  L HV_RDV_GUID (remote desktop virtualization);
 *   O vmbus_core/src/protocol.rs RDV_IC */
#define VMBUS_CLASS_RDV \
	VMBUS_GUID_INIT(0x276aacf4, 0xac15, 0x426c, 0x98, 0xdd, 0x75, 0x21, 0xad, 0x3f, 0x01, 0xfe)
/* f8e65716-3cb3-4a06-9a60-1889c5cccab5  L HV_AVMA1_GUID (automatic VM activation) */
#define VMBUS_CLASS_AVMA1 \
	VMBUS_GUID_INIT(0xf8e65716, 0x3cb3, 0x4a06, 0x9a, 0x60, 0x18, 0x89, 0xc5, 0xcc, 0xca, 0xb5)
/* 3375baf4-9e15-4b30-b765-67acb10d607b  L HV_AVMA2_GUID;
 *   O vmbus_core/src/protocol.rs INHERITED_ACTIVATION */
#define VMBUS_CLASS_AVMA2 \
	VMBUS_GUID_INIT(0x3375baf4, 0x9e15, 0x4b30, 0xb7, 0x65, 0x67, 0xac, 0xb1, 0x0d, 0x60, 0x7b)

/* Storage. */
/* ba6163d9-04a1-4d29-b605-72e2ffb1dc7f  L HV_SCSI_GUID;
 *   O storvsp_protocol/src/lib.rs SCSI_INTERFACE_ID;
 *   M gSyntheticStorageClassGuid */
#define VMBUS_CLASS_SCSI \
	VMBUS_GUID_INIT(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
/* 32412632-86cb-44a2-9b5c-50d1417354f5  L HV_IDE_GUID;
 *   O storvsp_protocol/src/lib.rs IDE_ACCELERATOR_INTERFACE_ID */
#define VMBUS_CLASS_IDE \
	VMBUS_GUID_INIT(0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5)
/* 2f9bcc4a-0069-4af3-b76b-6fd0be528cda  L HV_SYNTHFC_GUID (synthetic Fibre Channel) */
#define VMBUS_CLASS_FC \
	VMBUS_GUID_INIT(0x2f9bcc4a, 0x0069, 0x4af3, 0xb7, 0x6b, 0x6f, 0xd0, 0xbe, 0x52, 0x8c, 0xda)
/* c376c1c3-d276-48d2-90a9-c04748072c60  L HV_IMC_GUID;
 *   O vmbus/vmbfs/src/protocol.rs INTERFACE_TYPE;
 *   M gSyntheticVmbfsClassGuid */
#define VMBUS_CLASS_VMBFS \
	VMBUS_GUID_INIT(0xc376c1c3, 0xd276, 0x48d2, 0x90, 0xa9, 0xc0, 0x47, 0x48, 0x07, 0x2c, 0x60)

/* Network. */
/* f8615163-df3e-46c5-913f-f2d2f965ed0e  L HV_NIC_GUID;
 *   O net/netvsp/src/lib.rs Nic::offer interface_id;
 *   M gSyntheticNetworkClassGuid */
#define VMBUS_CLASS_NET \
	VMBUS_GUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
/* 8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501  L HV_ND_GUID (NetworkDirect, guest RDMA) */
#define VMBUS_CLASS_ND \
	VMBUS_GUID_INIT(0x8c2eaf3d, 0x32a7, 0x4b09, 0xab, 0x99, 0xbd, 0x1f, 0x1c, 0x86, 0xb5, 0x01)

/* Input, display, serial. */
/* f912ad6d-2b17-48ea-bd65-f927a61c7684  L HV_KBD_GUID;
 *   O uidevices/src/keyboard/protocol.rs INTERFACE_GUID;
 *   M gSyntheticKeyboardClassGuid */
#define VMBUS_CLASS_KEYBOARD \
	VMBUS_GUID_INIT(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84)
/* cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a  L HV_MOUSE_GUID;
 *   O uidevices/src/mouse/protocol.rs INTERFACE_GUID */
#define VMBUS_CLASS_MOUSE \
	VMBUS_GUID_INIT(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a)
/* da0a7802-e377-4aac-8e77-0558eb1073f8  L HV_SYNTHVID_GUID;
 *   O uidevices/src/video/mod.rs offer interface_id;
 *   M gSyntheticVideoClassGuid */
#define VMBUS_CLASS_VIDEO \
	VMBUS_GUID_INIT(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8)
/* 8b60ccf6-709f-4c11-90b5-229c959a9e6a  (VMBus serial port)
 *   O serial/vmbus_serial_protocol/src/lib.rs UART_INTERFACE_TYPE */
#define VMBUS_CLASS_UART \
	VMBUS_GUID_INIT(0x8b60ccf6, 0x709f, 0x4c11, 0x90, 0xb5, 0x22, 0x9c, 0x95, 0x9a, 0x9e, 0x6a)

/* Memory and PCI. */
/* 525074dc-8985-46e2-8057-a307dc18a502  L HV_DM_GUID (dynamic memory: balloon, hot add) */
#define VMBUS_CLASS_DYNMEM \
	VMBUS_GUID_INIT(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02)
/* 44c4f61d-4444-4400-9d52-802e27ede19f  L HV_PCIE_GUID;
 *   O pci/vpci_protocol/src/lib.rs GUID_VPCI_VSP_CHANNEL_TYPE;
 *   M gSyntheticVpciClassGuid */
#define VMBUS_CLASS_PCI \
	VMBUS_GUID_INIT(0x44c4f61d, 0x4444, 0x4400, 0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f)

#endif
