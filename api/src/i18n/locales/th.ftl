# ข้อความของหน้าที่โฮสต์ไว้เป็นภาษาไทย (คีย์เดียวกับ en.ftl)

## Shared
page-title-default = Tessera
error-title = เกิดข้อผิดพลาด
error-failed = เกิดข้อผิดพลาดที่ฝั่งของเรา โปรดรอหนึ่งนาทีแล้วลองอีกครั้ง หากยังเกิดขึ้นอีก โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
error-busy-title = ระบบไม่ว่าง
error-busy = ขณะนี้มีการตรวจสอบการลงชื่อเข้าใช้มากเกินไป โปรดรอสักครู่แล้วลองอีกครั้ง
error-expired-title = การลงชื่อเข้าใช้หมดอายุ
error-expired = การลงชื่อเข้าใช้นี้ใช้ไม่ได้แล้ว โปรดกลับไปที่แอปพลิเคชันแล้วเริ่มใหม่
error-forbidden-title = คำขอถูกปฏิเสธ
error-forbidden = แบบฟอร์มนี้ไม่ได้ส่งมาจากหน้าลงชื่อเข้าใช้นี้ โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง
error-invalid-request-title = คำขอไม่ถูกต้อง
error-unknown-app-title = ไม่รู้จักแอปพลิเคชัน
error-unknown-app = แอปพลิเคชันที่ส่งคุณมาที่นี่ไม่ได้ลงทะเบียนไว้ โปรดย้อนกลับไปตรวจสอบลิงก์ หรือติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
error-invalid-redirect-title = URI สำหรับเปลี่ยนเส้นทางไม่ถูกต้อง
error-invalid-redirect = redirect_uri นี้ไม่ได้ลงทะเบียนไว้สำหรับแอปพลิเคชันนี้ คุณจึงจะไม่ถูกส่งกลับไป โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
error-bad-query = คำขอการอนุญาตไม่ใช่สตริงคิวรีที่ถูกต้อง โปรดกลับไปที่แอปพลิเคชันแล้วลองอีกครั้ง
error-no-client = คำขอไม่มี client_id โปรดกลับไปที่แอปพลิเคชันแล้วลองอีกครั้ง
error-request-uri-title = ลิงก์ลงชื่อเข้าใช้นี้ใช้ไม่ได้แล้ว
error-request-uri = คำขอลงชื่อเข้าใช้หมดอายุหรือถูกใช้ไปแล้ว กลับไปที่แอปพลิเคชันแล้วเริ่มใหม่อีกครั้ง
error-no-redirect = คำขอไม่มี redirect_uri โปรดกลับไปที่แอปพลิเคชันแล้วลองอีกครั้ง
error-social-title = ไม่มีการลงชื่อเข้าใช้ด้วยโซเชียล
error-social = เซิร์ฟเวอร์นี้ไม่มีการลงชื่อเข้าใช้ด้วยโซเชียล จึงลงชื่อเข้าใช้ให้คุณด้วย { $target } ไม่ได้ โปรดกลับไปที่แอปพลิเคชันแล้วเลือกวิธีลงชื่อเข้าใช้อื่น
error-sso-title = ไม่มีการลงชื่อเข้าใช้ครั้งเดียว (SSO)
error-sso = เซิร์ฟเวอร์นี้ไม่มีการลงชื่อเข้าใช้ครั้งเดียวสำหรับองค์กร โปรดกลับไปที่แอปพลิเคชันแล้วลงชื่อเข้าใช้ด้วยชื่อผู้ใช้หรืออีเมลและรหัสผ่าน
error-reset-title = ไม่สามารถรีเซ็ตรหัสผ่านได้
error-reset = เซิร์ฟเวอร์นี้ยังรีเซ็ตรหัสผ่านไม่ได้ โปรดขอให้ผู้ดูแลแอปพลิเคชันตั้งรหัสผ่านใหม่ให้คุณ
required = จำเป็น

## Sign-in
sign-in-title = ลงชื่อเข้าใช้
sign-in-subtitle = เพื่อไปยัง { $app }
identifier-label = ชื่อผู้ใช้หรืออีเมล
password-label = รหัสผ่าน
sign-in-submit = ลงชื่อเข้าใช้
create-account-link = สร้างบัญชี
sign-in-incorrect = ชื่อผู้ใช้ อีเมล หรือรหัสผ่านไม่ถูกต้อง โปรดตรวจสอบแล้วลองอีกครั้ง
sign-in-suspended = บัญชีนี้ถูกระงับ โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชันเพื่อกู้คืนบัญชี
sign-in-locked = ลองไม่สำเร็จหลายครั้งเกินไป โปรดรอ { $seconds } วินาทีแล้วลองอีกครั้ง

## Registration
register-title = สร้างบัญชีของคุณ
register-subtitle = สำหรับ { $app }
username-label = ชื่อผู้ใช้
register-submit = สร้างบัญชี
have-account-link = ฉันมีบัญชีอยู่แล้ว
registration-closed-title = ปิดรับการลงทะเบียน
registration-closed = ไม่สามารถสร้างบัญชีใหม่ที่นี่ได้ โปรดย้อนกลับแล้วลงชื่อเข้าใช้ด้วยบัญชีที่มีอยู่
username-invalid = ชื่อผู้ใช้ต้องขึ้นต้นด้วยตัวอักษรหรือ _ และมีได้เฉพาะตัวอักษร ตัวเลข และ _ โปรดเลือกชื่ออื่น
username-taken = ชื่อผู้ใช้นี้มีผู้ใช้แล้ว โปรดเลือกชื่ออื่น หรือลงชื่อเข้าใช้
password-too-short = รหัสผ่านต้องยาวอย่างน้อย { $min } ตัวอักษร โปรดเลือกรหัสผ่านที่ยาวขึ้น
password-too-long = รหัสผ่านต้องยาวไม่เกิน { $max } ตัวอักษร โปรดเลือกรหัสผ่านที่สั้นลง
password-character-types = รหัสผ่านต้องผสมอย่างน้อย { $min } ประเภทจากตัวพิมพ์เล็ก ตัวพิมพ์ใหญ่ ตัวเลข และสัญลักษณ์ โปรดเพิ่มประเภทที่ขาด
password-unsupported-characters = รหัสผ่านมีได้เฉพาะตัวอักษร ตัวเลข และสัญลักษณ์ ASCII โปรดลบอักขระอื่นออก
password-pwned = รหัสผ่านนี้อยู่ในรายการรหัสผ่านที่รั่วไหล โปรดเลือกรหัสผ่านอื่น
password-repetition = รหัสผ่านต้องไม่มีอักขระเดียวกันซ้ำติดกันเกิน 3 ครั้ง โปรดเลือกรหัสผ่านอื่น
password-sequence = รหัสผ่านต้องไม่มีลำดับอย่าง 1234 หรือ qwer โปรดเลือกรหัสผ่านอื่น
password-user-info = รหัสผ่านต้องไม่มีชื่อผู้ใช้ ชื่อ อีเมล หรือหมายเลขโทรศัพท์ของคุณ โปรดเลือกรหัสผ่านอื่น
password-words = รหัสผ่านมีคำที่ไม่อนุญาต โปรดเลือกรหัสผ่านอื่น

## Consent
consent-title = อนุญาตการเข้าถึงหรือไม่
consent-asking = { $app } ขอสิทธิ์ต่อไปนี้:
consent-allow = อนุญาต
consent-deny = ปฏิเสธ
device-title = เชื่อมต่ออุปกรณ์
device-code-label = ป้อนรหัสที่แสดงบนอุปกรณ์ของคุณ
device-code-submit = ดำเนินการต่อ
device-code-unknown = รหัสนี้ไม่ถูกต้องหรือหมดอายุแล้ว ตรวจสอบรหัสบนอุปกรณ์แล้วพิมพ์อีกครั้ง หากอุปกรณ์แสดงรหัสใหม่ ให้ใช้รหัสนั้น
device-code-too-many = ป้อนรหัสผิดหลายครั้งเกินไป รอหนึ่งนาทีแล้วลองอีกครั้ง
device-gone-title = คำขอของอุปกรณ์สิ้นสุดแล้ว
device-gone = คำขอของอุปกรณ์นี้หมดอายุหรือได้รับคำตอบแล้ว เริ่มใหม่บนอุปกรณ์
device-confirm-title = เชื่อมต่ออุปกรณ์นี้หรือไม่
device-confirm-asking = { $app } บนอุปกรณ์ขอสิทธิ์ต่อไปนี้:
device-confirm-resources = การเข้าถึง API เหล่านี้:
device-confirm-warning = อนุมัติเฉพาะเมื่อคุณเริ่มคำขอนี้บนอุปกรณ์ที่อยู่กับคุณเท่านั้น
device-approve = อนุมัติ
device-deny = ปฏิเสธ
device-approved-title = เชื่อมต่ออุปกรณ์แล้ว
device-approved = คุณลงชื่อเข้าใช้บนอุปกรณ์แล้ว ปิดหน้าต่างนี้ได้
device-denied-title = ปฏิเสธคำขอแล้ว
device-denied = ไม่ได้เชื่อมต่ออุปกรณ์ ปิดหน้าต่างนี้ได้
scope-openid = ตัวตนของคุณ
scope-openid-description = ทราบว่าคุณลงชื่อเข้าใช้ด้วยบัญชีใด
scope-offline-access = คงสถานะการลงชื่อเข้าใช้
scope-offline-access-description = เข้าถึงต่อได้แม้คุณไม่ได้ใช้งาน จนกว่าคุณจะออกจากระบบหรือเพิกถอนสิทธิ์
scope-profile = โปรไฟล์ของคุณ
scope-profile-description = ชื่อ ชื่อผู้ใช้ รูปภาพ และรายละเอียดโปรไฟล์อื่น ๆ ของคุณ
scope-email = อีเมลของคุณ
scope-email-description = อีเมลของคุณและสถานะการยืนยัน
scope-phone = หมายเลขโทรศัพท์ของคุณ
scope-phone-description = หมายเลขโทรศัพท์ของคุณและสถานะการยืนยัน
scope-address = ที่อยู่ของคุณ
scope-address-description = ที่อยู่ทางไปรษณีย์ของคุณ
scope-custom-data = ข้อมูลบัญชีของคุณ
scope-custom-data-description = ข้อมูลเพิ่มเติมที่บริการนี้เก็บไว้เกี่ยวกับบัญชีของคุณ
scope-roles = บทบาทของคุณ
scope-roles-description = บทบาทที่บัญชีของคุณมี
scope-sessions = เซสชันของคุณ
scope-sessions-description = ดูและสิ้นสุดเซสชันที่คุณลงชื่อเข้าใช้อยู่

## Sign-out
logout-title = ออกจากระบบหรือไม่
logout-question = คุณต้องการออกจากระบบบนอุปกรณ์นี้หรือไม่
logout-submit = ออกจากระบบ
signed-out-title = คุณออกจากระบบแล้ว
signed-out-close = คุณปิดหน้าต่างนี้ได้
signed-out-interaction = การลงชื่อเข้าใช้นี้สิ้นสุดลงพร้อมกับเซสชันของคุณ โปรดกลับไปที่แอปพลิเคชันแล้วเริ่มใหม่
logout-expired-title = การออกจากระบบหมดอายุ
logout-expired = การออกจากระบบนี้ใช้ไม่ได้แล้ว โปรดกลับไปที่แอปพลิเคชันแล้วออกจากระบบอีกครั้ง
logout-forbidden = การออกจากระบบไม่ได้รับการยืนยันจากหน้าของเซิร์ฟเวอร์นี้ โปรดกลับไปที่แอปพลิเคชันแล้วออกจากระบบอีกครั้ง
logout-malformed = คำขอออกจากระบบมีรูปแบบไม่ถูกต้อง โปรดกลับไปที่แอปพลิเคชันแล้วลองอีกครั้ง
logout-needs-client = คำขอออกจากระบบระบุ post_logout_redirect_uri แต่ไม่มี client_id โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
logout-invalid-redirect = post_logout_redirect_uri นี้ไม่ได้ลงทะเบียนไว้สำหรับแอปพลิเคชันนี้ โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน

## The operator's page (/)
home-title = Tessera กำลังทำงาน
home-issuer = ผู้ออก:
home-docs = เอกสาร API
home-openapi = เอกสาร OpenAPI
home-discovery = OpenID Connect discovery
home-status = สถานะ
home-access-file = การเข้าถึง Management API: แอปพลิเคชันแบบเครื่องถึงเครื่องที่เซิร์ฟเวอร์นี้สร้างขึ้นเมื่อเริ่มทำงานครั้งแรก รหัสและข้อมูลลับของแอปอยู่ในไฟล์นี้ ซึ่งอ่านได้เฉพาะผู้ใช้ของเซิร์ฟเวอร์:
home-access-configured = การเข้าถึง Management API: แอปพลิเคชันที่ระบุโดยการตั้งค่านี้:

## Pages to come: sign-in with a verification code
code-sign-in-title = ลงชื่อเข้าใช้ด้วยรหัสยืนยัน
code-sign-in-link = ลงชื่อเข้าใช้ด้วยรหัสยืนยันแทน
code-label = รหัสยืนยัน
code-send = ส่งรหัส
code-enter = กรอกรหัส 6 หลักที่ส่งไปยัง { $target }
code-resend = ส่งรหัสอีกครั้ง
code-resend-wait = คุณขอรหัสใหม่ได้ในอีก { $seconds } วินาที
code-submit = ดำเนินการต่อ
code-expired = รหัสนี้หมดอายุแล้ว โปรดส่งรหัสใหม่แล้วลองอีกครั้ง
code-invalid = รหัสนี้ไม่ถูกต้อง โปรดตรวจสอบแล้วลองอีกครั้ง หรือส่งรหัสใหม่
email-label = อีเมล
phone-label = หมายเลขโทรศัพท์

## Pages to come: forgot password
forgot-password-link = ลืมรหัสผ่านใช่ไหม
reset-password-title = รีเซ็ตรหัสผ่าน
reset-password-intro = กรอกอีเมลหรือหมายเลขโทรศัพท์ของคุณ แล้วเราจะส่งรหัสเพื่อรีเซ็ตรหัสผ่านให้
new-password-label = รหัสผ่านใหม่
confirm-password-label = ยืนยันรหัสผ่านใหม่
reset-password-submit = รีเซ็ตรหัสผ่าน
reset-password-done = เปลี่ยนรหัสผ่านของคุณแล้ว โปรดลงชื่อเข้าใช้ด้วยรหัสผ่านใหม่
password-mismatch = รหัสผ่านทั้งสองไม่ตรงกัน โปรดพิมพ์อีกครั้ง

## Pages to come: registration with a verified email or phone
register-email-title = สร้างบัญชีด้วยอีเมลของคุณ
register-phone-title = สร้างบัญชีด้วยหมายเลขโทรศัพท์ของคุณ
verify-email-title = ยืนยันอีเมลของคุณ
verify-phone-title = ยืนยันหมายเลขโทรศัพท์ของคุณ
email-taken = อีเมลนี้มีผู้ใช้แล้ว โปรดลงชื่อเข้าใช้แทน หรือใช้อีเมลอื่น
phone-taken = หมายเลขโทรศัพท์นี้มีผู้ใช้แล้ว โปรดลงชื่อเข้าใช้แทน หรือใช้หมายเลขอื่น
email-invalid = ที่อยู่อีเมลนี้ไม่ถูกต้อง โปรดตรวจสอบแล้วลองอีกครั้ง
phone-invalid = หมายเลขโทรศัพท์นี้ไม่ถูกต้อง โปรดใส่รหัสประเทศ เช่น +66 81 234 5678

## Pages to come: the profile step
profile-title = บอกเราเกี่ยวกับตัวคุณ
profile-intro = { $app } ต้องการข้อมูลเพิ่มเติมอีกเล็กน้อยก่อนดำเนินการต่อ
profile-name = ชื่อ
profile-given-name = ชื่อจริง
profile-family-name = นามสกุล
profile-birthdate = วันเกิด
profile-gender = เพศ
profile-address = ที่อยู่
profile-submit = ดำเนินการต่อ
profile-missing = โปรดกรอกทุกช่องที่ระบุว่าจำเป็น แล้วดำเนินการต่อ
profile-part-formatted = ที่อยู่แบบเต็ม
profile-part-streetAddress = บ้านเลขที่และถนน
profile-part-locality = เมืองหรือเขต
profile-part-region = จังหวัดหรือรัฐ
profile-part-postalCode = รหัสไปรษณีย์
profile-part-country = ประเทศ
profile-part-givenName = ชื่อ
profile-part-middleName = ชื่อกลาง
profile-part-familyName = นามสกุล

## Pages to come: code delivery failures
delivery-no-email-connector = ยังไม่ได้ตั้งค่าตัวเชื่อมต่ออีเมล จึงส่งรหัสทางอีเมลไม่ได้ โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
delivery-no-sms-connector = ยังไม่ได้ตั้งค่าตัวเชื่อมต่อ SMS จึงส่งรหัสทาง SMS ไม่ได้ โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
delivery-failed = ส่งรหัสไม่สำเร็จ โปรดรอหนึ่งนาทีแล้วลองอีกครั้ง หากยังเกิดขึ้นอีก โปรดติดต่อฝ่ายสนับสนุนของแอปพลิเคชัน
delivery-too-many = มีการขอรหัสมากเกินไป โปรดรอสักครู่แล้วลองอีกครั้ง
code-send-wait-seconds = มีการส่งรหัสไปยังที่อยู่นี้มากเกินไป โปรดลองอีกครั้งในอีก { $seconds } วินาที
code-send-wait-minutes = มีการส่งรหัสไปยังที่อยู่นี้มากเกินไป โปรดลองอีกครั้งในอีก { $minutes } นาที

## Hosted code pages
back-to-sign-in = กลับไปที่การลงชื่อเข้าใช้
code-other-address = ใช้อีเมลหรือหมายเลขโทรศัพท์อื่น
code-not-offered = ไม่สามารถลงชื่อเข้าใช้ด้วยรหัสสำหรับที่อยู่นี้ได้ ลงชื่อเข้าใช้ด้วยรหัสผ่าน หรือใช้อีเมลหรือหมายเลขโทรศัพท์อื่น
code-no-account = ไม่มีบัญชีที่ใช้อีเมลหรือหมายเลขโทรศัพท์นี้ ตรวจสอบอีกครั้ง หรือสร้างบัญชี
password-same = รหัสผ่านใหม่เหมือนกับรหัสผ่านปัจจุบัน เลือกรหัสผ่านอื่น
register-code-not-offered = ไม่สามารถสร้างบัญชีด้วยที่อยู่ประเภทนี้ได้ที่นี่ ใช้ที่อยู่อื่น หรือสร้างบัญชีด้วยชื่อผู้ใช้
register-code-link = สร้างบัญชีด้วยอีเมลหรือหมายเลขโทรศัพท์แทน

## Second factors (MFA) at sign-in
mfa-title = การยืนยันแบบ 2 ขั้นตอน
mfa-totp-label = กรอกรหัส 6 หลักจากแอปยืนยันตัวตนของคุณ
mfa-backup-code-label = กรอกรหัสสำรองหนึ่งรหัส
mfa-use-totp = ใช้แอปยืนยันตัวตนแทน
mfa-use-backup-code = ใช้รหัสสำรองแทน
mfa-code-wrong = รหัสนี้ไม่ถูกต้อง ตรวจสอบแล้วลองอีกครั้ง
mfa-onboarding-title = ปกป้องบัญชีของคุณด้วยการยืนยันแบบ 2 ขั้นตอน
mfa-onboarding-intro = หลังจากรหัสผ่าน แอปยืนยันตัวตนบนโทรศัพท์ของคุณจะให้รหัสที่มีเพียงคุณเท่านั้น ต้องการตั้งค่าตอนนี้หรือไม่
mfa-onboarding-accept = ตั้งค่าแอปยืนยันตัวตน
mfa-skip = ไว้ภายหลัง
mfa-skip-refused = บัญชีนี้ต้องใช้การยืนยันแบบ 2 ขั้นตอน ตั้งค่าเพื่อดำเนินการต่อ
mfa-bind-title = ตั้งค่าแอปยืนยันตัวตน
mfa-bind-intro = สแกนคิวอาร์โค้ดนี้ด้วยแอปยืนยันตัวตน หรือพิมพ์คีย์ด้านล่าง แล้วกรอกรหัสที่แอปแสดง
mfa-bind-qr-alt = คิวอาร์โค้ดสำหรับสแกนด้วยแอปยืนยันตัวตน
mfa-bind-secret = คีย์:
mfa-backup-codes-title = รหัสสำรองของคุณ
mfa-backup-codes-intro = เก็บรหัสเหล่านี้ไว้ในที่ปลอดภัย แต่ละรหัสใช้ได้ครั้งเดียวเมื่อคุณใช้แอปยืนยันตัวตนไม่ได้ รหัสจะแสดงเฉพาะตอนนี้เท่านั้น
mfa-backup-codes-download = ดาวน์โหลดรหัส
mfa-backup-codes-needed = สร้างรหัสสำรองไว้สำหรับเวลาที่คุณใช้แอปยืนยันตัวตนไม่ได้
mfa-backup-codes-generate = สร้างรหัสสำรอง
