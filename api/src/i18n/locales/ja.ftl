# ホストされたページの日本語の文言（en.ftl と同じキー）。

## Shared
page-title-default = Tessera
error-title = 問題が発生しました
error-failed = こちら側で問題が発生しました。1 分ほど待ってからもう一度お試しください。繰り返し発生する場合は、アプリケーションのサポートにお問い合わせください。
error-busy-title = 混み合っています
error-busy = 現在、確認中のサインインが多すぎます。しばらく待ってからもう一度お試しください。
error-expired-title = サインインの有効期限切れ
error-expired = このサインインは無効になりました。アプリケーションに戻って、最初からやり直してください。
error-forbidden-title = リクエストが拒否されました
error-forbidden = このフォームはこのサインインページから送信されていません。ページを再読み込みして、もう一度お試しください。
error-invalid-request-title = 無効なリクエスト
error-unknown-app-title = 不明なアプリケーション
error-unknown-app = ここに案内したアプリケーションは登録されていません。戻ってリンクを確認するか、アプリケーションのサポートにお問い合わせください。
error-invalid-redirect-title = 無効なリダイレクト URI
error-invalid-redirect = この redirect_uri はこのアプリケーションに登録されていないため、アプリケーションには戻れません。アプリケーションのサポートにお問い合わせください。
error-bad-query = 認可リクエストが有効なクエリ文字列ではありません。アプリケーションに戻って、もう一度お試しください。
error-no-client = リクエストに client_id がありません。アプリケーションに戻って、もう一度お試しください。
error-request-uri-title = このサインインリンクは使用できません
error-request-uri = サインインのリクエストは期限切れか、すでに使用されています。アプリケーションに戻って、もう一度やり直してください。
error-no-redirect = リクエストに redirect_uri がありません。アプリケーションに戻って、もう一度お試しください。
error-social-title = ソーシャルサインインは利用できません
error-social = このサーバーにはソーシャルサインインがないため、{ $target } でサインインできません。アプリケーションに戻って、別のサインイン方法を選んでください。
error-sso-title = シングルサインオンは利用できません
error-sso = このサーバーには企業向けシングルサインオンがありません。アプリケーションに戻り、ユーザー名またはメールアドレスとパスワードでサインインしてください。
error-reset-title = パスワードのリセットは利用できません
error-reset = このサーバーはまだパスワードをリセットできません。アプリケーションの管理者に新しいパスワードの設定を依頼してください。
required = 必須

## Sign-in
sign-in-title = サインイン
sign-in-subtitle = { $app } に進むには
identifier-label = ユーザー名またはメールアドレス
password-label = パスワード
sign-in-submit = サインイン
create-account-link = アカウントを作成
sign-in-incorrect = ユーザー名、メールアドレス、またはパスワードが正しくありません。確認してもう一度お試しください。
sign-in-suspended = このアカウントは停止されています。復旧するには、アプリケーションのサポートにお問い合わせください。
sign-in-locked = 失敗した試行が多すぎます。{ $seconds } 秒待ってから、もう一度お試しください。

## Registration
register-title = アカウントを作成
register-subtitle = { $app } 用
username-label = ユーザー名
register-submit = アカウントを作成
have-account-link = すでにアカウントをお持ちの方
registration-closed-title = 新規登録は受け付けていません
registration-closed = ここでは新しいアカウントを作成できません。戻って、既存のアカウントでサインインしてください。
username-invalid = ユーザー名は英字または _ で始まり、英字、数字、_ のみを含められます。別のユーザー名を選んでください。
username-taken = このユーザー名はすでに使われています。別のユーザー名を選ぶか、サインインしてください。
password-too-short = パスワードは { $min } 文字以上にしてください。もっと長いパスワードを選んでください。
password-too-long = パスワードは { $max } 文字以下にしてください。もっと短いパスワードを選んでください。
password-character-types = パスワードには小文字、大文字、数字、記号のうち少なくとも { $min } 種類を含めてください。足りない種類を追加してください。
password-unsupported-characters = パスワードに使えるのは英字、数字、ASCII 記号のみです。それ以外の文字を削除してください。
password-pwned = このパスワードは漏えいしたパスワードの一覧に含まれています。別のパスワードを選んでください。
password-repetition = パスワードで同じ文字を 4 回以上続けて使うことはできません。別のパスワードを選んでください。
password-sequence = パスワードに 1234 や qwer のような並びを含めることはできません。別のパスワードを選んでください。
password-user-info = パスワードにユーザー名、氏名、メールアドレス、電話番号を含めることはできません。別のパスワードを選んでください。
password-words = パスワードに使用できない単語が含まれています。別のパスワードを選んでください。

## Consent
consent-title = アクセスを許可しますか？
consent-asking = { $app } が次の権限を求めています：
consent-allow = 許可
consent-deny = 拒否
device-title = デバイスを接続
device-code-label = デバイスに表示されているコードを入力してください
device-code-submit = 続行
device-code-unknown = このコードは無効か、有効期限が切れています。デバイスのコードを確認してもう一度入力してください。新しいコードが表示されている場合はそちらを使ってください。
device-code-too-many = 誤ったコードが何度も入力されました。1分待ってからもう一度お試しください。
device-gone-title = デバイスのリクエストは終了しました
device-gone = このデバイスのリクエストは期限切れか、すでに応答済みです。デバイスでやり直してください。
device-confirm-title = このデバイスを接続しますか？
device-confirm-asking = デバイス上の { $app } が次の権限を求めています：
device-confirm-resources = 次の API へのアクセス：
device-confirm-warning = 手元のデバイスで開始した場合のみ承認してください。
device-approve = 承認
device-deny = 拒否
device-approved-title = デバイスを接続しました
device-approved = デバイスでサインインしました。このウィンドウは閉じてかまいません。
device-denied-title = リクエストを拒否しました
device-denied = デバイスは接続されませんでした。このウィンドウは閉じてかまいません。
scope-openid = あなたの ID
scope-openid-description = サインインしたアカウントを識別します。
scope-offline-access = サインイン状態の維持
scope-offline-access-description = サインアウトするか取り消すまで、不在時もアクセスを維持します。
scope-profile = プロフィール
scope-profile-description = 名前、ユーザー名、画像などのプロフィール情報。
scope-email = メールアドレス
scope-email-description = メールアドレスと、それが確認済みかどうか。
scope-phone = 電話番号
scope-phone-description = 電話番号と、それが確認済みかどうか。
scope-address = 住所
scope-address-description = 郵送先の住所。
scope-custom-data = アカウントデータ
scope-custom-data-description = このサービスがアカウントについて保存している追加データ。
scope-roles = ロール
scope-roles-description = アカウントに割り当てられたロール。
scope-sessions = セッション
scope-sessions-description = サインイン中のセッションを確認し、終了します。

## Sign-out
logout-title = サインアウトしますか？
logout-question = このデバイスからサインアウトしますか？
logout-submit = サインアウト
signed-out-title = サインアウトしました
signed-out-close = このウィンドウは閉じてかまいません。
signed-out-interaction = このサインインはセッションの終了とともに終わりました。アプリケーションに戻って、最初からやり直してください。
logout-expired-title = サインアウトの有効期限切れ
logout-expired = このサインアウトは無効になりました。アプリケーションに戻って、もう一度サインアウトしてください。
logout-forbidden = サインアウトはこのサーバーのページで確認されませんでした。アプリケーションに戻って、もう一度サインアウトしてください。
logout-malformed = サインアウトのリクエストが不正です。アプリケーションに戻って、もう一度お試しください。
logout-needs-client = サインアウトのリクエストに post_logout_redirect_uri がありますが client_id がありません。アプリケーションのサポートにお問い合わせください。
logout-invalid-redirect = この post_logout_redirect_uri はこのアプリケーションに登録されていません。アプリケーションのサポートにお問い合わせください。

## The operator's page (/)
home-title = Tessera は稼働中です
home-issuer = 発行者：
home-docs = API ドキュメント
home-openapi = OpenAPI ドキュメント
home-discovery = OpenID Connect ディスカバリー
home-status = ステータス
home-access-file = Management API へのアクセス：このサーバーが初回起動時に作成したマシン間アプリケーションです。その ID とシークレットは次のファイルにあり、サーバーのユーザーだけが読めます：
home-access-configured = Management API へのアクセス：次の設定で指定されたアプリケーションです：

## Pages to come: sign-in with a verification code
code-sign-in-title = 確認コードでサインイン
code-sign-in-link = 代わりに確認コードでサインイン
code-label = 確認コード
code-send = コードを送信
code-enter = { $target } に送信された 6 桁のコードを入力してください
code-resend = コードを再送信
code-resend-wait = { $seconds } 秒後に新しいコードを請求できます。
code-submit = 続行
code-expired = このコードは有効期限が切れています。新しいコードを送信して、もう一度お試しください。
code-invalid = このコードは正しくありません。確認してもう一度お試しいただくか、新しいコードを送信してください。
email-label = メールアドレス
phone-label = 電話番号

## Pages to come: forgot password
forgot-password-link = パスワードをお忘れですか？
reset-password-title = パスワードをリセット
reset-password-intro = メールアドレスまたは電話番号を入力してください。パスワードをリセットするためのコードをお送りします。
new-password-label = 新しいパスワード
confirm-password-label = 新しいパスワード（確認）
reset-password-submit = パスワードをリセット
reset-password-done = パスワードを変更しました。新しいパスワードでサインインしてください。
password-mismatch = 2 つのパスワードが一致しません。もう一度入力してください。

## Pages to come: registration with a verified email or phone
register-email-title = メールアドレスでアカウントを作成
register-phone-title = 電話番号でアカウントを作成
verify-email-title = メールアドレスを確認
verify-phone-title = 電話番号を確認
email-taken = このメールアドレスはすでに使われています。サインインするか、別のメールアドレスを使ってください。
phone-taken = この電話番号はすでに使われています。サインインするか、別の番号を使ってください。
email-invalid = 有効なメールアドレスではありません。確認してもう一度お試しください。
phone-invalid = 有効な電話番号ではありません。国番号を含めてください（例：+81 90 1234 5678）。

## Pages to come: the profile step
profile-title = あなたについて教えてください
profile-intro = 続行する前に、{ $app } にはいくつかの情報が必要です。
profile-name = 氏名
profile-given-name = 名
profile-family-name = 姓
profile-birthdate = 生年月日
profile-gender = 性別
profile-address = 住所
profile-submit = 続行
profile-missing = 必須と表示された項目をすべて入力してから続行してください。
profile-part-formatted = 住所（全体）
profile-part-streetAddress = 番地
profile-part-locality = 市区町村
profile-part-region = 都道府県・州
profile-part-postalCode = 郵便番号
profile-part-country = 国
profile-part-givenName = 名
profile-part-middleName = ミドルネーム
profile-part-familyName = 姓

## Pages to come: code delivery failures
delivery-no-email-connector = メールコネクターが設定されていないため、メールでコードを送信できません。アプリケーションのサポートにお問い合わせください。
delivery-no-sms-connector = SMS コネクターが設定されていないため、SMS でコードを送信できません。アプリケーションのサポートにお問い合わせください。
delivery-failed = コードを送信できませんでした。1 分ほど待ってからもう一度お試しください。繰り返し発生する場合は、アプリケーションのサポートにお問い合わせください。
delivery-too-many = コードの請求が多すぎます。数分待ってから、もう一度お試しください。
code-send-wait-seconds = このアドレスに送信されたコードが多すぎます。{ $seconds } 秒後にもう一度お試しください。
code-send-wait-minutes = このアドレスに送信されたコードが多すぎます。{ $minutes } 分後にもう一度お試しください。

## Hosted code pages
back-to-sign-in = サインインに戻る
code-other-address = 別のメールアドレスまたは電話番号を使う
code-not-offered = このアドレスではコードによるサインインを利用できません。パスワードでサインインするか、別のメールアドレスまたは電話番号を使ってください。
code-no-account = このメールアドレスまたは電話番号を使うアカウントはありません。確認するか、アカウントを作成してください。
password-same = 新しいパスワードが現在のものと同じです。別のパスワードを選んでください。
register-code-not-offered = この種類のアドレスではここでアカウントを作成できません。別のアドレスを使うか、ユーザー名でアカウントを作成してください。
register-code-link = 代わりにメールアドレスまたは電話番号でアカウントを作成する

## Second factors (MFA) at sign-in
mfa-title = 2 段階認証
mfa-totp-label = 認証アプリに表示された 6 桁のコードを入力してください
mfa-backup-code-label = バックアップコードを 1 つ入力してください
mfa-use-totp = 代わりに認証アプリを使う
mfa-use-backup-code = 代わりにバックアップコードを使う
mfa-code-wrong = コードが正しくありません。確認してもう一度お試しください。
mfa-onboarding-title = 2 段階認証でアカウントを保護しましょう
mfa-onboarding-intro = パスワードに加えて、スマートフォンの認証アプリがあなただけのコードを表示します。今すぐ設定しますか？
mfa-onboarding-accept = 認証アプリを設定する
mfa-skip = 今はしない
mfa-skip-refused = このアカウントには 2 段階認証が必要です。続行するには設定してください。
mfa-bind-title = 認証アプリを設定する
mfa-bind-intro = 認証アプリでこの QR コードを読み取るか、下のキーを入力してください。その後、アプリに表示されたコードを入力してください。
mfa-bind-qr-alt = 認証アプリで読み取る QR コード
mfa-bind-secret = キー:
mfa-backup-codes-title = バックアップコード
mfa-backup-codes-intro = これらのコードを安全な場所に保管してください。認証アプリを使えないとき、各コードは 1 回だけ使えます。表示されるのは今だけです。
mfa-backup-codes-download = コードをダウンロード
mfa-backup-codes-needed = 認証アプリを使えないときのために、バックアップコードを作成してください。
mfa-backup-codes-generate = バックアップコードを作成
