// Labels: Chinese first (the users' language), English alongside.

export const ROLE = {
  admin: ['管理员', 'Admin'],
  central_ops: ['运维中心', 'Central ops'],
  supervisor: ['行政监督', 'Supervisor'],
  venue_staff: ['场地工作人员', 'Venue staff'],
  technician: ['技术员', 'Technician'],
};

export const STATUS = {
  scheduled: ['已排期', 'Scheduled'],
  checking_in: ['签到中', 'Checking in'],
  in_progress: ['评标中', 'In progress'],
  overnight: ['隔夜暂停', 'Overnight'],
  signing: ['签字中', 'Signing'],
  closed: ['已结束', 'Closed'],
  archived: ['已归档', 'Archived'],
  fault_before_start: ['开始前故障', 'Fault before start'],
  fault_during: ['评标中故障', 'Fault during'],
  converted_local: ['转本地评标', 'Converted to local'],
  dissolved: ['已解散', 'Dissolved'],
  suspended: ['已暂停', 'Suspended'],
};

/** The normal path, drawn as a stepper; other statuses are exceptional. */
export const MAIN_PATH = ['scheduled', 'checking_in', 'in_progress', 'signing', 'closed', 'archived'];

export const ACTION = {
  start_check_in: ['开始签到', 'Start check-in'],
  supplementary_draw: ['补抽专家', 'Supplementary draw'],
  start_evaluation: ['开始评标', 'Start evaluation'],
  suspend_overnight: ['隔夜暂停', 'Suspend overnight'],
  resume: ['恢复', 'Resume'],
  start_signing: ['开始签字', 'Start signing'],
  close: ['结束', 'Close'],
  archive: ['归档', 'Archive'],
  report_system_fault: ['报告系统故障', 'Report system fault'],
  fault_cleared: ['故障排除', 'Fault cleared'],
  fallback_local: ['转本地评标', 'Fall back to local'],
  dissolve: ['解散', 'Dissolve'],
};

/**
 * Which actions to offer from which status, to which roles (mirrors the cloud's transition table
 * for the buttons only: the cloud decides and its refusal reason is shown as is).
 */
const OPS = ['venue_staff', 'central_ops', 'admin'];
export const OFFER = {
  start_check_in: { from: ['scheduled'], roles: OPS },
  start_evaluation: { from: ['checking_in'], roles: OPS },
  suspend_overnight: { from: ['in_progress'], roles: OPS, emergency: true },
  resume: { from: ['overnight'], roles: OPS },
  start_signing: { from: ['in_progress'], roles: OPS },
  close: { from: ['signing'], roles: OPS },
  archive: { from: ['closed', 'converted_local', 'dissolved'], roles: ['central_ops', 'admin'] },
  report_system_fault: { from: ['scheduled', 'checking_in', 'in_progress', 'overnight'], roles: [...OPS, 'technician'], emergency: true },
  fault_cleared: { from: ['fault_before_start', 'fault_during'], roles: [...OPS, 'technician'], emergency: true },
  fallback_local: { from: ['scheduled', 'checking_in', 'in_progress', 'overnight'], roles: [...OPS, 'supervisor'], emergency: true },
  dissolve: { from: ['fault_before_start', 'fault_during'], roles: [...OPS, 'supervisor'], emergency: true },
};

export const OUTCOME = {
  unknown_card: ['未登记证件', 'Unknown card'],
  invalid_card: ['证件无效', 'Invalid card'],
  card_expired: ['证件过期', 'Card expired'],
  wrong_room: ['非本评标室', 'Wrong room'],
  outside_window: ['不在签到时段', 'Outside window'],
  already_checked_in: ['已签到', 'Already checked in'],
  card_removed: ['证件被移走', 'Card removed'],
  no_face: ['未检测到人脸', 'No face'],
  multiple_faces: ['多张人脸', 'Multiple faces'],
  quality_failed: ['图像质量不足', 'Quality failed'],
  liveness_failed: ['活体检测失败', 'Liveness failed'],
  face_mismatch: ['人证不符', 'Face mismatch'],
  capture_failed: ['采集失败', 'Capture failed'],
  timeout: ['超时', 'Timeout'],
  device_error: ['设备故障', 'Device error'],
};

export const METHOD = { face: ['人证比对', 'Face'], staff_override: ['人工放行', 'Staff override'] };

export const EXPERT_ROLE = { expert: ['评标专家', 'Expert'], tenderer_rep: ['招标人代表', 'Tenderer rep'], staff: ['工作人员', 'Staff'] };

export const SEVERITY = { critical: ['严重', 'Critical'], warning: ['警告', 'Warning'], info: ['提示', 'Info'] };

/** Telemetry shown per appliance (names as the edge publishes them). */
export const METRICS = [
  { metric: 'device.online', zh: '外设在线率', en: 'Devices online', unit: '', fmt: (v) => `${Math.round(v * 100)}%`, min: 0, max: 1 },
  { metric: 'recording.disk_used_pct', zh: '录像磁盘占用', en: 'Recording disk used', unit: '%', fmt: (v) => (v < 0 ? '—' : `${v.toFixed(1)}%`), min: 0, max: 100 },
  { metric: 'appliance.outbox.pending', zh: '待上传事件', en: 'Outbox pending', unit: '', fmt: (v) => String(Math.round(v)) },
  { metric: 'appliance.cloud.connected', zh: '云端连接', en: 'Cloud connected', unit: '', fmt: (v) => `${Math.round(v * 100)}%`, min: 0, max: 1 },
  { metric: 'checkin.latency.p95_ms', zh: '签到耗时 P95', en: 'Check-in latency p95', unit: 'ms', fmt: (v) => `${Math.round(v)} ms` },
];

export const label = (table, key) => table[key] ?? [key, key];
