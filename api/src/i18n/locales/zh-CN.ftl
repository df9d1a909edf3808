# 托管页面的简体中文文案（与 en.ftl 的键一一对应）。

## Shared
page-title-default = Tessera
error-title = 出错了
error-failed = 我们这边出了问题。请等待一分钟后重试；如果问题仍然存在，请联系该应用的支持团队。
error-busy-title = 服务繁忙
error-busy = 当前正在验证的登录请求过多。请稍候片刻再试。
error-expired-title = 登录已过期
error-expired = 此登录已失效。请返回应用并重新开始。
error-forbidden-title = 请求被拒绝
error-forbidden = 该表单并非从此登录页面提交。请刷新页面后重试。
error-invalid-request-title = 无效的请求
error-unknown-app-title = 未知的应用
error-unknown-app = 将你引导至此的应用尚未注册。请返回并检查链接，或联系该应用的支持团队。
error-invalid-redirect-title = 无效的重定向 URI
error-invalid-redirect = 该 redirect_uri 未在此应用中注册，因此不会将你送回该应用。请联系该应用的支持团队。
error-bad-query = 授权请求不是有效的查询字符串。请返回应用后重试。
error-no-client = 请求中缺少 client_id。请返回应用后重试。
error-request-uri-title = 此登录链接已失效
error-request-uri = 登录请求已过期或已被使用。请返回应用重新开始。
error-no-redirect = 请求中缺少 redirect_uri。请返回应用后重试。
error-social-title = 社交登录不可用
error-social = 此服务器不支持社交登录，因此无法使用 { $target } 为你登录。请返回应用并选择其他登录方式。
error-sso-title = 单点登录不可用
error-sso = 此服务器不支持企业单点登录。请返回应用，使用用户名或邮箱及密码登录。
error-reset-title = 无法重置密码
error-reset = 此服务器暂不支持重置密码。请联系该应用的管理员为你设置新密码。
required = 必填

## Sign-in
sign-in-title = 登录
sign-in-subtitle = 以继续使用 { $app }
identifier-label = 用户名或邮箱
password-label = 密码
sign-in-submit = 登录
create-account-link = 创建账户
sign-in-incorrect = 用户名、邮箱或密码不正确。请检查后重试。
sign-in-suspended = 此账户已被停用。请联系该应用的支持团队恢复账户。
sign-in-locked = 失败次数过多。请等待 { $seconds } 秒后重试。

## Registration
register-title = 创建你的账户
register-subtitle = 用于 { $app }
username-label = 用户名
register-submit = 创建账户
have-account-link = 我已有账户
registration-closed-title = 注册已关闭
registration-closed = 此处无法创建新账户。请返回并使用已有账户登录。
username-invalid = 用户名须以字母或 _ 开头，且只能包含字母、数字和 _。请换一个用户名。
username-taken = 该用户名已被占用。请换一个，或直接登录。
password-too-short = 密码长度至少为 { $min } 个字符。请设置更长的密码。
password-too-long = 密码长度最多为 { $max } 个字符。请设置更短的密码。
password-character-types = 密码须至少包含小写字母、大写字母、数字和符号中的 { $min } 种。请补充缺少的类型。
password-unsupported-characters = 密码只能包含字母、数字和 ASCII 符号。请删除其他字符。
password-pwned = 此密码出现在已泄露密码列表中。请换一个密码。
password-repetition = 密码中同一字符不能连续重复超过 3 次。请换一个密码。
password-sequence = 密码不能包含 1234 或 qwer 之类的连续序列。请换一个密码。
password-user-info = 密码不能包含你的用户名、姓名、邮箱或手机号。请换一个密码。
password-words = 密码包含不允许使用的词语。请换一个密码。

## Consent
consent-title = 允许访问？
consent-asking = { $app } 请求以下权限：
consent-allow = 允许
consent-deny = 拒绝
device-title = 连接设备
device-code-label = 输入设备上显示的代码
device-code-submit = 继续
device-code-unknown = 该代码无效或已过期。请核对设备上的代码后重新输入；如果设备显示了新代码，请使用新代码。
device-code-too-many = 输入错误代码的次数过多。请等待一分钟后再试。
device-gone-title = 设备请求已结束
device-gone = 该设备的请求已过期或已处理。请在设备上重新开始。
device-confirm-title = 连接此设备？
device-confirm-asking = 设备上的 { $app } 请求以下权限：
device-confirm-resources = 访问以下 API：
device-confirm-warning = 仅当这是你在身边的设备上发起的请求时才批准。
device-approve = 批准
device-deny = 拒绝
device-approved-title = 设备已连接
device-approved = 你已在设备上登录。可以关闭此窗口。
device-denied-title = 请求已拒绝
device-denied = 设备未连接。可以关闭此窗口。
scope-openid = 你的身份
scope-openid-description = 了解你登录所用的账户。
scope-offline-access = 保持登录
scope-offline-access-description = 在你离开时保持访问权限，直到你退出登录或撤销授权。
scope-profile = 你的个人资料
scope-profile-description = 你的姓名、用户名、头像和其他个人资料。
scope-email = 你的邮箱地址
scope-email-description = 你的邮箱地址及其是否已验证。
scope-phone = 你的手机号码
scope-phone-description = 你的手机号码及其是否已验证。
scope-address = 你的地址
scope-address-description = 你的邮寄地址。
scope-custom-data = 你的账户数据
scope-custom-data-description = 此服务为你的账户保存的额外数据。
scope-roles = 你的角色
scope-roles-description = 你的账户拥有的角色。
scope-sessions = 你的会话
scope-sessions-description = 查看并结束你已登录的会话。

## Sign-out
logout-title = 退出登录？
logout-question = 确定要在此设备上退出登录吗？
logout-submit = 退出登录
signed-out-title = 你已退出登录
signed-out-close = 你可以关闭此窗口。
signed-out-interaction = 此登录已随你的会话结束。请返回应用并重新开始。
logout-expired-title = 退出登录已过期
logout-expired = 此退出登录请求已失效。请返回应用并再次退出登录。
logout-forbidden = 退出登录未在此服务器的页面上确认。请返回应用并再次退出登录。
logout-malformed = 退出登录请求格式错误。请返回应用后重试。
logout-needs-client = 退出登录请求指定了 post_logout_redirect_uri 但缺少 client_id。请联系该应用的支持团队。
logout-invalid-redirect = 该 post_logout_redirect_uri 未在此应用中注册。请联系该应用的支持团队。

## The operator's page (/)
home-title = Tessera 正在运行
home-issuer = 签发者：
home-docs = API 文档
home-openapi = OpenAPI 文档
home-discovery = OpenID Connect 发现文档
home-status = 状态
home-access-file = Management API 访问：此服务器首次启动时创建的机器对机器应用。其 ID 和密钥保存在以下文件中，仅服务器用户可读：
home-access-configured = Management API 访问：由以下配置项指定的应用：

## Pages to come: sign-in with a verification code
code-sign-in-title = 使用验证码登录
code-sign-in-link = 改用验证码登录
code-label = 验证码
code-send = 发送验证码
code-enter = 请输入发送至 { $target } 的 6 位验证码
code-resend = 重新发送验证码
code-resend-wait = { $seconds } 秒后可重新获取验证码。
code-submit = 继续
code-expired = 验证码已过期。请重新获取验证码后重试。
code-invalid = 验证码不正确。请检查后重试，或重新获取验证码。
email-label = 邮箱
phone-label = 手机号

## Pages to come: forgot password
forgot-password-link = 忘记密码？
reset-password-title = 重置密码
reset-password-intro = 请输入你的邮箱或手机号，我们将发送验证码以重置密码。
new-password-label = 新密码
confirm-password-label = 确认新密码
reset-password-submit = 重置密码
reset-password-done = 你的密码已修改。请使用新密码登录。
password-mismatch = 两次输入的密码不一致。请重新输入。

## Pages to come: registration with a verified email or phone
register-email-title = 使用邮箱创建账户
register-phone-title = 使用手机号创建账户
verify-email-title = 验证你的邮箱
verify-phone-title = 验证你的手机号
email-taken = 该邮箱已被使用。请直接登录，或使用其他邮箱。
phone-taken = 该手机号已被使用。请直接登录，或使用其他号码。
email-invalid = 这不是有效的邮箱地址。请检查后重试。
phone-invalid = 这不是有效的手机号。请包含国家代码，例如 +86 138 0013 8000。

## Pages to come: the profile step
profile-title = 介绍一下你自己
profile-intro = 继续之前，{ $app } 还需要一些信息。
profile-name = 姓名
profile-given-name = 名
profile-family-name = 姓
profile-birthdate = 出生日期
profile-gender = 性别
profile-address = 地址
profile-submit = 继续
profile-missing = 请填写所有标记为必填的字段，然后继续。
profile-part-formatted = 完整地址
profile-part-streetAddress = 街道地址
profile-part-locality = 城市
profile-part-region = 省/州
profile-part-postalCode = 邮政编码
profile-part-country = 国家/地区
profile-part-givenName = 名
profile-part-middleName = 中间名
profile-part-familyName = 姓

## Pages to come: code delivery failures
delivery-no-email-connector = 尚未配置邮件连接器，无法通过邮件发送验证码。请联系该应用的支持团队。
delivery-no-sms-connector = 尚未配置短信连接器，无法通过短信发送验证码。请联系该应用的支持团队。
delivery-failed = 验证码发送失败。请等待一分钟后重试；如果问题仍然存在，请联系该应用的支持团队。
delivery-too-many = 请求验证码的次数过多。请等待几分钟后重试。
code-send-wait-seconds = 向此地址发送的验证码过多。请在 { $seconds } 秒后重试。
code-send-wait-minutes = 向此地址发送的验证码过多。请在 { $minutes } 分钟后重试。

## Hosted code pages
back-to-sign-in = 返回登录
code-other-address = 使用其他邮箱或手机号
code-not-offered = 此地址不支持验证码登录。请使用密码登录，或使用其他邮箱或手机号。
code-no-account = 没有账户使用此邮箱或手机号。请检查，或创建账户。
password-same = 新密码与当前密码相同。请选择其他密码。
register-code-not-offered = 此处无法使用此类地址创建账户。请使用其他地址，或使用用户名创建账户。
register-code-link = 改用邮箱或手机号创建账户

## Second factors (MFA) at sign-in
mfa-title = 两步验证
mfa-totp-label = 请输入身份验证器应用中的 6 位验证码
mfa-backup-code-label = 请输入一个备用码
mfa-use-totp = 改用身份验证器应用
mfa-use-backup-code = 改用备用码
mfa-code-wrong = 验证码不正确，请检查后重试。
mfa-onboarding-title = 使用两步验证保护你的账户
mfa-onboarding-intro = 在密码之后，手机上的身份验证器应用会提供只有你拥有的验证码。现在就设置吗？
mfa-onboarding-accept = 设置身份验证器应用
mfa-skip = 暂不设置
mfa-skip-refused = 此账户必须启用两步验证，请完成设置后继续。
mfa-bind-title = 设置身份验证器应用
mfa-bind-intro = 用身份验证器应用扫描此二维码，或手动输入下方密钥，然后输入应用显示的验证码。
mfa-bind-qr-alt = 用身份验证器应用扫描的二维码
mfa-bind-secret = 密钥：
mfa-backup-codes-title = 你的备用码
mfa-backup-codes-intro = 请妥善保存这些备用码。无法使用身份验证器应用时，每个备用码只能使用一次。它们只会显示这一次。
mfa-backup-codes-download = 下载备用码
mfa-backup-codes-needed = 请创建备用码，以便在无法使用身份验证器应用时使用。
mfa-backup-codes-generate = 创建备用码
