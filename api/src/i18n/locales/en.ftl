# The hosted pages' phrases in English: the reference every other language must match
# key for key (api/src/i18n/mod.rs tests it). Keys are Fluent message ids; `{ $name }`
# is a value the page fills in. Errors say what to do next.

## Shared
page-title-default = Tessera
error-title = Something went wrong
error-failed = Something went wrong on our side. Wait a minute and try again; if it keeps happening, contact the application's support.
error-busy-title = Too busy
error-busy = Too many sign-ins are being checked right now. Wait a moment, then try again.
error-expired-title = Sign-in expired
error-expired = This sign-in is no longer valid. Go back to the application and start again.
error-forbidden-title = Request refused
error-forbidden = The form was not sent from this sign-in page. Reload the page and try again.
error-invalid-request-title = Invalid request
error-unknown-app-title = Unknown application
error-unknown-app = The application that sent you here is not registered. Go back and check the link, or contact the application's support.
error-invalid-redirect-title = Invalid redirect URI
error-invalid-redirect = The redirect_uri is not registered for this application, so you will not be sent back to it. Contact the application's support.
error-bad-query = The authorization request is not a valid query string. Go back to the application and try again.
error-no-client = The request has no client_id. Go back to the application and try again.
error-request-uri-title = This sign-in link no longer works
error-request-uri = The sign-in request has expired or was already used. Go back to the application and start again.
error-no-redirect = The request has no redirect_uri. Go back to the application and try again.
error-social-title = Social sign-in is not available
error-social = This server has no social sign-in, so it cannot sign you in with { $target }. Go back to the application and choose another way to sign in.
error-sso-title = Single sign-on is not available
error-sso = This server has no enterprise single sign-on. Go back to the application and sign in with your username or email and password.
error-reset-title = Password reset is not available
error-reset = This server cannot reset passwords yet. Ask the application's administrator to set a new password for you.
required = required

## Sign-in
sign-in-title = Sign in
sign-in-subtitle = to continue to { $app }
identifier-label = Username or email
password-label = Password
sign-in-submit = Sign in
create-account-link = Create an account
sign-in-incorrect = The username, email or password is incorrect. Check them and try again.
sign-in-suspended = This account is suspended. Contact the application's support to restore it.
sign-in-locked = Too many attempts. Wait { $seconds } seconds, then try again.

## Registration
register-title = Create your account
register-subtitle = for { $app }
username-label = Username
register-submit = Create account
have-account-link = I already have an account
registration-closed-title = Registration is closed
registration-closed = New accounts cannot be created here. Go back and sign in with an existing account.
username-invalid = A username starts with a letter or _ and holds only letters, digits and _. Choose another one.
username-taken = This username is already taken. Choose another one, or sign in.
password-too-short = The password must be at least { $min } characters long. Choose a longer one.
password-too-long = The password must be at most { $max } characters long. Choose a shorter one.
password-character-types = The password must mix at least { $min } of lowercase letters, uppercase letters, digits and symbols. Add the missing kinds.
password-unsupported-characters = The password may only hold letters, digits and ASCII symbols. Remove the other characters.
password-pwned = This password appears in lists of breached passwords. Choose another one.
password-repetition = The password must not repeat a character more than 3 times in a row. Choose another one.
password-sequence = The password must not contain sequences such as 1234 or qwer. Choose another one.
password-user-info = The password must not contain your username, name, email or phone. Choose another one.
password-words = The password contains a word that is not allowed. Choose another one.

## Consent
consent-title = Allow access?
consent-asking = { $app } is asking for:
consent-allow = Allow
consent-deny = Deny
device-title = Connect a device
device-code-label = Enter the code shown on your device
device-code-submit = Continue
device-code-unknown = That code is not valid or has expired. Check the code on your device and type it again; if the device shows a new one, use that.
device-code-too-many = Too many wrong codes were entered. Wait a minute, then try again.
device-gone-title = Device request ended
device-gone = This device's request expired or was already answered. Start again on the device.
device-confirm-title = Connect this device?
device-confirm-asking = { $app } on a device is asking for:
device-confirm-resources = Access to these APIs:
device-confirm-warning = Approve only if you started this on a device you have with you.
device-approve = Approve
device-deny = Deny
device-approved-title = Device connected
device-approved = You are signed in on the device. You can close this window.
device-denied-title = Request denied
device-denied = The device was not connected. You can close this window.
scope-openid = Your identity
scope-openid-description = Know which account you signed in with.
scope-offline-access = Stay signed in
scope-offline-access-description = Keep access while you are away, until you sign out or revoke it.
scope-profile = Your profile
scope-profile-description = Your name, username, picture and other profile details.
scope-email = Your email address
scope-email-description = Your email address and whether it is verified.
scope-phone = Your phone number
scope-phone-description = Your phone number and whether it is verified.
scope-address = Your address
scope-address-description = Your postal address.
scope-custom-data = Your account data
scope-custom-data-description = Extra data this service keeps about your account.
scope-roles = Your roles
scope-roles-description = The roles your account holds.
scope-sessions = Your sessions
scope-sessions-description = See and end the sessions where you are signed in.

## Sign-out
logout-title = Sign out?
logout-question = Do you want to sign out of this device?
logout-submit = Sign out
signed-out-title = You have signed out
signed-out-close = You can close this window.
signed-out-interaction = This sign-in ended with your session. Go back to the application and start again.
logout-expired-title = Sign-out expired
logout-expired = This sign-out is no longer valid. Go back to the application and sign out again.
logout-forbidden = The sign-out was not confirmed from this server's page. Go back to the application and sign out again.
logout-malformed = The sign-out request is malformed. Go back to the application and try again.
logout-needs-client = The sign-out request names a post_logout_redirect_uri without a client_id. Contact the application's support.
logout-invalid-redirect = The post_logout_redirect_uri is not registered for this application. Contact the application's support.

## The operator's page (/)
home-title = Tessera is running
home-issuer = Issuer:
home-docs = API documentation
home-openapi = OpenAPI document
home-discovery = OpenID Connect discovery
home-status = Status
home-access-file = Management API access: the machine-to-machine application this server created on its first start. Its id and secret are in this file, readable by the server's user only:
home-access-configured = Management API access: the application named by this setting:

## Pages to come: sign-in with a verification code
code-sign-in-title = Sign in with a verification code
code-sign-in-link = Sign in with a verification code instead
code-label = Verification code
code-send = Send code
code-enter = Enter the 6-digit code sent to { $target }
code-resend = Resend code
code-resend-wait = You can ask for a new code in { $seconds } seconds.
code-submit = Continue
code-expired = This code has expired. Send a new code and try again.
code-invalid = This code is not correct. Check it and try again, or send a new code.
email-label = Email
phone-label = Phone number

## Pages to come: forgot password
forgot-password-link = Forgot password?
reset-password-title = Reset password
reset-password-intro = Enter your email or phone number and we will send you a code to reset your password.
new-password-label = New password
confirm-password-label = Confirm the new password
reset-password-submit = Reset password
reset-password-done = Your password has been changed. Sign in with the new password.
password-mismatch = The two passwords are not the same. Type them again.

## Pages to come: registration with a verified email or phone
register-email-title = Create your account with your email
register-phone-title = Create your account with your phone number
verify-email-title = Verify your email
verify-phone-title = Verify your phone number
email-taken = This email is already in use. Sign in instead, or use another email.
phone-taken = This phone number is already in use. Sign in instead, or use another number.
email-invalid = This is not a valid email address. Check it and try again.
phone-invalid = This is not a valid phone number. Include the country code, for example +33 6 12 34 56 78.

## Pages to come: the profile step
profile-title = Tell us about yourself
profile-intro = { $app } needs a few more details before you continue.
profile-name = Name
profile-given-name = Given name
profile-family-name = Family name
profile-birthdate = Birthdate
profile-gender = Gender
profile-address = Address
profile-submit = Continue
profile-missing = Fill in every field marked required, then continue.
profile-part-formatted = Full address
profile-part-streetAddress = Street address
profile-part-locality = City
profile-part-region = State or region
profile-part-postalCode = Postal code
profile-part-country = Country
profile-part-givenName = Given name
profile-part-middleName = Middle name
profile-part-familyName = Family name

## Pages to come: code delivery failures
delivery-no-email-connector = No email connector is configured, so no code can be sent by email. Contact the application's support.
delivery-no-sms-connector = No SMS connector is configured, so no code can be sent by text message. Contact the application's support.
delivery-failed = The code could not be sent. Wait a minute and try again; if it keeps happening, contact the application's support.
delivery-too-many = Too many codes were requested. Wait a few minutes, then try again.
code-send-wait-seconds = Too many codes were sent to this address. Try again in { $seconds } seconds.
code-send-wait-minutes = Too many codes were sent to this address. Try again in { $minutes } minutes.

## Hosted code pages
back-to-sign-in = Back to sign in
code-other-address = Use another email or phone number
code-not-offered = Signing in with a code is not available for this address. Sign in with your password, or use another email or phone number.
code-no-account = No account uses this email or phone number. Check it, or create an account.
password-same = The new password is the same as the current one. Choose another.
register-code-not-offered = Accounts cannot be created with this kind of address here. Use another one, or create an account with a username.
register-code-link = Create your account with your email or phone number instead

## Second factors (MFA) at sign-in
mfa-title = 2-step verification
mfa-totp-label = Enter the 6-digit code from your authenticator app
mfa-backup-code-label = Enter one of your backup codes
mfa-use-totp = Use your authenticator app instead
mfa-use-backup-code = Use a backup code instead
mfa-code-wrong = This code is not correct. Check it and try again.
mfa-onboarding-title = Protect your account with 2-step verification
mfa-onboarding-intro = After your password, an authenticator app on your phone can give a code that only you have. Do you want to set it up now?
mfa-onboarding-accept = Set up an authenticator app
mfa-skip = Not now
mfa-skip-refused = 2-step verification is required for this account. Set it up to continue.
mfa-bind-title = Set up your authenticator app
mfa-bind-intro = Scan this QR code with an authenticator app, or type the key below into it. Then enter the code the app shows.
mfa-bind-qr-alt = QR code to scan with your authenticator app
mfa-bind-secret = Key:
mfa-backup-codes-title = Your backup codes
mfa-backup-codes-intro = Keep these codes somewhere safe. Each works once, when you cannot use your authenticator app. They are shown only now.
mfa-backup-codes-download = Download the codes
mfa-backup-codes-needed = Create backup codes, for when you cannot use your authenticator app.
mfa-backup-codes-generate = Create backup codes
