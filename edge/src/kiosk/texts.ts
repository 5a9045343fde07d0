import type { CheckinOutcome } from '@evalroom/contracts';

/** What the kiosk tells venue staff about an outcome at the door: plain words and what to do. */
export interface OutcomeText {
  /** Short label (Chinese first, English second). */
  zh: string;
  en: string;
  /** What staff should do now. */
  actionZh: string;
  actionEn: string;
  tone: 'ok' | 'warn' | 'stop';
}

const t = (zh: string, en: string, actionZh: string, actionEn: string, tone: OutcomeText['tone']): OutcomeText => ({ zh, en, actionZh, actionEn, tone });

/**
 * One entry per CheckinOutcome (the Record type makes a new outcome a compile error here).
 * "可人工放行" is offered only where the check-in service keeps the rejection overridable;
 * the page asks the service itself (entry.overridable), never this table.
 */
export const OUTCOME_TEXT: Readonly<Record<CheckinOutcome, OutcomeText>> = {
  admitted: t('准许进入', 'Admitted', '请引导专家至工位，手机存入储物柜', 'Guide the expert to the workstation; phone into a locker', 'ok'),
  admitted_by_staff: t('人工放行', 'Admitted by staff', '请引导专家至工位，手机存入储物柜', 'Guide the expert to the workstation; phone into a locker', 'ok'),
  unknown_card: t('不在本场名单', 'Not on any roster', '请核实抽取通知并联系主场；不能人工放行', 'Check the draw notice and call the main venue; no override', 'stop'),
  invalid_card: t('证件无效', 'Card not valid', '证件未生效或芯片照片不可用，请核对证件原件后可人工放行', 'Card not yet valid or chip photo unusable: check the card, then override', 'warn'),
  card_expired: t('证件已过期', 'Card expired', '请出示有效身份证件；不能人工放行', 'Ask for a valid ID card; no override', 'stop'),
  wrong_room: t('不属于本评标室', 'Booked in another room', '请引导专家前往正确的评标室', 'Guide the expert to the right room', 'stop'),
  outside_window: t('不在签到时间内', 'Outside the check-in window', '请核实时间安排，必要时记录情况后人工放行', 'Check the schedule; record it and override if allowed', 'warn'),
  already_checked_in: t('已签到', 'Already checked in', '无需操作；如有疑问请核对签到记录', 'Nothing to do; check the records if in doubt', 'warn'),
  card_removed: t('核验中取走证件', 'Card removed during the check', '请将证件放回读卡器重新核验', 'Put the card back on the reader to check again', 'warn'),
  no_face: t('未检测到人脸', 'No face detected', '请专家正对摄像头后重新刷卡，或核对身份后人工放行', 'Face the camera and tap again, or check identity and override', 'warn'),
  multiple_faces: t('画面中有多人', 'More than one face', '请其他人离开镜头后重新刷卡', 'Others step out of view, then tap again', 'warn'),
  quality_failed: t('人脸图像质量不足', 'Face image too poor', '请调整光线和距离后重试，或核对身份后人工放行', 'Fix light and distance and retry, or check identity and override', 'warn'),
  liveness_failed: t('活体检测未通过', 'Liveness check failed', '请摘下口罩或帽子重试，或核对身份后人工放行', 'Remove mask or hat and retry, or check identity and override', 'warn'),
  face_mismatch: t('人脸不匹配', 'Face does not match the card', '请核对身份后可人工放行', 'Check identity, then you may override', 'warn'),
  capture_failed: t('摄像头采集失败', 'Camera capture failed', '请检查摄像头后重试，或核对身份后人工放行', 'Check the camera and retry, or check identity and override', 'warn'),
  timeout: t('设备响应超时', 'Device timed out', '请重新刷卡；反复出现请通知技术人员', 'Tap again; call a technician if it repeats', 'warn'),
  device_error: t('设备故障', 'Device error', '请通知技术人员，核对身份后可人工放行', 'Call a technician; check identity and override', 'warn'),
};
