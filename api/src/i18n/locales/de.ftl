# Die Texte der gehosteten Seiten auf Deutsch (dieselben Schlüssel wie en.ftl).

## Shared
page-title-default = Tessera
error-title = Etwas ist schiefgelaufen
error-failed = Bei uns ist etwas schiefgelaufen. Warten Sie eine Minute und versuchen Sie es erneut; wenn es wieder passiert, wenden Sie sich an den Support der Anwendung.
error-busy-title = Ausgelastet
error-busy = Gerade werden zu viele Anmeldungen geprüft. Warten Sie einen Moment und versuchen Sie es dann erneut.
error-expired-title = Anmeldung abgelaufen
error-expired = Diese Anmeldung ist nicht mehr gültig. Kehren Sie zur Anwendung zurück und beginnen Sie von vorn.
error-forbidden-title = Anfrage abgelehnt
error-forbidden = Das Formular wurde nicht von dieser Anmeldeseite gesendet. Laden Sie die Seite neu und versuchen Sie es erneut.
error-invalid-request-title = Ungültige Anfrage
error-unknown-app-title = Unbekannte Anwendung
error-unknown-app = Die Anwendung, die Sie hierher geschickt hat, ist nicht registriert. Gehen Sie zurück und prüfen Sie den Link, oder wenden Sie sich an den Support der Anwendung.
error-invalid-redirect-title = Ungültige Weiterleitungs-URI
error-invalid-redirect = Die redirect_uri ist für diese Anwendung nicht registriert, daher werden Sie nicht zu ihr zurückgeleitet. Wenden Sie sich an den Support der Anwendung.
error-bad-query = Die Autorisierungsanfrage ist keine gültige Abfragezeichenfolge. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
error-no-client = Die Anfrage enthält keine client_id. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
error-request-uri-title = Dieser Anmeldelink funktioniert nicht mehr
error-request-uri = Die Anmeldeanfrage ist abgelaufen oder wurde bereits verwendet. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.
error-no-redirect = Die Anfrage enthält keine redirect_uri. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
error-social-title = Social Login ist nicht verfügbar
error-social = Dieser Server bietet keinen Social Login und kann Sie daher nicht mit { $target } anmelden. Kehren Sie zur Anwendung zurück und wählen Sie eine andere Anmeldeart.
error-sso-title = Single Sign-on ist nicht verfügbar
error-sso = Dieser Server bietet kein Unternehmens-Single-Sign-on. Kehren Sie zur Anwendung zurück und melden Sie sich mit Benutzername oder E-Mail und Passwort an.
error-reset-title = Passwort-Zurücksetzen ist nicht verfügbar
error-reset = Dieser Server kann Passwörter noch nicht zurücksetzen. Bitten Sie die Administration der Anwendung, Ihnen ein neues Passwort zu setzen.
required = erforderlich

## Sign-in
sign-in-title = Anmelden
sign-in-subtitle = um zu { $app } fortzufahren
identifier-label = Benutzername oder E-Mail
password-label = Passwort
sign-in-submit = Anmelden
create-account-link = Konto erstellen
sign-in-incorrect = Benutzername, E-Mail oder Passwort ist falsch. Prüfen Sie die Angaben und versuchen Sie es erneut.
sign-in-suspended = Dieses Konto ist gesperrt. Wenden Sie sich an den Support der Anwendung, um es wiederherzustellen.
sign-in-locked = Zu viele fehlgeschlagene Versuche. Warten Sie { $seconds } Sekunden und versuchen Sie es dann erneut.

## Registration
register-title = Konto erstellen
register-subtitle = für { $app }
username-label = Benutzername
register-submit = Konto erstellen
have-account-link = Ich habe bereits ein Konto
registration-closed-title = Registrierung geschlossen
registration-closed = Hier können keine neuen Konten erstellt werden. Gehen Sie zurück und melden Sie sich mit einem bestehenden Konto an.
username-invalid = Ein Benutzername beginnt mit einem Buchstaben oder _ und enthält nur Buchstaben, Ziffern und _. Wählen Sie einen anderen.
username-taken = Dieser Benutzername ist bereits vergeben. Wählen Sie einen anderen, oder melden Sie sich an.
password-too-short = Das Passwort muss mindestens { $min } Zeichen lang sein. Wählen Sie ein längeres.
password-too-long = Das Passwort darf höchstens { $max } Zeichen lang sein. Wählen Sie ein kürzeres.
password-character-types = Das Passwort muss mindestens { $min } Arten aus Kleinbuchstaben, Großbuchstaben, Ziffern und Symbolen mischen. Ergänzen Sie die fehlenden Arten.
password-unsupported-characters = Das Passwort darf nur Buchstaben, Ziffern und ASCII-Symbole enthalten. Entfernen Sie die anderen Zeichen.
password-pwned = Dieses Passwort steht in Listen kompromittierter Passwörter. Wählen Sie ein anderes.
password-repetition = Das Passwort darf ein Zeichen nicht öfter als 3-mal hintereinander wiederholen. Wählen Sie ein anderes.
password-sequence = Das Passwort darf keine Folgen wie 1234 oder qwer enthalten. Wählen Sie ein anderes.
password-user-info = Das Passwort darf weder Ihren Benutzernamen noch Ihren Namen, Ihre E-Mail oder Telefonnummer enthalten. Wählen Sie ein anderes.
password-words = Das Passwort enthält ein nicht erlaubtes Wort. Wählen Sie ein anderes.

## Consent
consent-title = Zugriff erlauben?
consent-asking = { $app } bittet um:
consent-allow = Erlauben
consent-deny = Ablehnen
device-title = Gerät verbinden
device-code-label = Geben Sie den Code ein, den Ihr Gerät anzeigt
device-code-submit = Weiter
device-code-unknown = Dieser Code ist ungültig oder abgelaufen. Prüfen Sie den Code auf Ihrem Gerät und geben Sie ihn erneut ein; zeigt das Gerät einen neuen an, verwenden Sie diesen.
device-code-too-many = Es wurden zu viele falsche Codes eingegeben. Warten Sie eine Minute und versuchen Sie es dann erneut.
device-gone-title = Geräteanfrage beendet
device-gone = Die Anfrage dieses Geräts ist abgelaufen oder wurde bereits beantwortet. Beginnen Sie auf dem Gerät erneut.
device-confirm-title = Dieses Gerät verbinden?
device-confirm-asking = { $app } auf einem Gerät bittet um:
device-confirm-resources = Zugriff auf diese APIs:
device-confirm-warning = Bestätigen Sie nur, wenn Sie dies auf einem Gerät begonnen haben, das Sie bei sich haben.
device-approve = Bestätigen
device-deny = Ablehnen
device-approved-title = Gerät verbunden
device-approved = Sie sind auf dem Gerät angemeldet. Sie können dieses Fenster schließen.
device-denied-title = Anfrage abgelehnt
device-denied = Das Gerät wurde nicht verbunden. Sie können dieses Fenster schließen.
scope-openid = Ihre Identität
scope-openid-description = Erfahren, mit welchem Konto Sie sich angemeldet haben.
scope-offline-access = Angemeldet bleiben
scope-offline-access-description = Zugriff behalten, während Sie nicht da sind, bis Sie sich abmelden oder ihn widerrufen.
scope-profile = Ihr Profil
scope-profile-description = Ihr Name, Benutzername, Bild und weitere Profilangaben.
scope-email = Ihre E-Mail-Adresse
scope-email-description = Ihre E-Mail-Adresse und ob sie bestätigt ist.
scope-phone = Ihre Telefonnummer
scope-phone-description = Ihre Telefonnummer und ob sie bestätigt ist.
scope-address = Ihre Adresse
scope-address-description = Ihre Postanschrift.
scope-custom-data = Ihre Kontodaten
scope-custom-data-description = Zusätzliche Daten, die dieser Dienst zu Ihrem Konto speichert.
scope-roles = Ihre Rollen
scope-roles-description = Die Rollen Ihres Kontos.
scope-sessions = Ihre Sitzungen
scope-sessions-description = Die Sitzungen, in denen Sie angemeldet sind, sehen und beenden.

## Sign-out
logout-title = Abmelden?
logout-question = Möchten Sie sich auf diesem Gerät abmelden?
logout-submit = Abmelden
signed-out-title = Sie sind abgemeldet
signed-out-close = Sie können dieses Fenster schließen.
signed-out-interaction = Diese Anmeldung endete mit Ihrer Sitzung. Kehren Sie zur Anwendung zurück und beginnen Sie von vorn.
logout-expired-title = Abmeldung abgelaufen
logout-expired = Diese Abmeldung ist nicht mehr gültig. Kehren Sie zur Anwendung zurück und melden Sie sich erneut ab.
logout-forbidden = Die Abmeldung wurde nicht auf der Seite dieses Servers bestätigt. Kehren Sie zur Anwendung zurück und melden Sie sich erneut ab.
logout-malformed = Die Abmeldeanfrage ist fehlerhaft. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.
logout-needs-client = Die Abmeldeanfrage nennt eine post_logout_redirect_uri ohne client_id. Wenden Sie sich an den Support der Anwendung.
logout-invalid-redirect = Die post_logout_redirect_uri ist für diese Anwendung nicht registriert. Wenden Sie sich an den Support der Anwendung.

## The operator's page (/)
home-title = Tessera läuft
home-issuer = Aussteller:
home-docs = API-Dokumentation
home-openapi = OpenAPI-Dokument
home-discovery = OpenID-Connect-Discovery
home-status = Status
home-access-file = Zugang zur Management-API: die Machine-to-Machine-Anwendung, die dieser Server beim ersten Start angelegt hat. Ihre ID und ihr Geheimnis stehen in dieser Datei, die nur der Benutzer des Servers lesen kann:
home-access-configured = Zugang zur Management-API: die Anwendung, die diese Einstellung nennt:

## Pages to come: sign-in with a verification code
code-sign-in-title = Mit einem Bestätigungscode anmelden
code-sign-in-link = Stattdessen mit einem Bestätigungscode anmelden
code-label = Bestätigungscode
code-send = Code senden
code-enter = Geben Sie den 6-stelligen Code ein, der an { $target } gesendet wurde
code-resend = Code erneut senden
code-resend-wait = Sie können in { $seconds } Sekunden einen neuen Code anfordern.
code-submit = Weiter
code-expired = Dieser Code ist abgelaufen. Fordern Sie einen neuen Code an und versuchen Sie es erneut.
code-invalid = Dieser Code ist nicht korrekt. Prüfen Sie ihn und versuchen Sie es erneut, oder fordern Sie einen neuen Code an.
email-label = E-Mail
phone-label = Telefonnummer

## Pages to come: forgot password
forgot-password-link = Passwort vergessen?
reset-password-title = Passwort zurücksetzen
reset-password-intro = Geben Sie Ihre E-Mail oder Telefonnummer ein, und wir senden Ihnen einen Code zum Zurücksetzen Ihres Passworts.
new-password-label = Neues Passwort
confirm-password-label = Neues Passwort bestätigen
reset-password-submit = Passwort zurücksetzen
reset-password-done = Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen Passwort an.
password-mismatch = Die beiden Passwörter stimmen nicht überein. Geben Sie sie erneut ein.

## Pages to come: registration with a verified email or phone
register-email-title = Konto mit Ihrer E-Mail erstellen
register-phone-title = Konto mit Ihrer Telefonnummer erstellen
verify-email-title = E-Mail bestätigen
verify-phone-title = Telefonnummer bestätigen
email-taken = Diese E-Mail wird bereits verwendet. Melden Sie sich stattdessen an, oder verwenden Sie eine andere E-Mail.
phone-taken = Diese Telefonnummer wird bereits verwendet. Melden Sie sich stattdessen an, oder verwenden Sie eine andere Nummer.
email-invalid = Dies ist keine gültige E-Mail-Adresse. Prüfen Sie sie und versuchen Sie es erneut.
phone-invalid = Dies ist keine gültige Telefonnummer. Geben Sie die Ländervorwahl an, zum Beispiel +49 151 23456789.

## Pages to come: the profile step
profile-title = Erzählen Sie uns von sich
profile-intro = { $app } braucht noch ein paar Angaben, bevor Sie fortfahren.
profile-name = Name
profile-given-name = Vorname
profile-family-name = Nachname
profile-birthdate = Geburtsdatum
profile-gender = Geschlecht
profile-address = Adresse
profile-submit = Weiter
profile-missing = Füllen Sie alle als erforderlich markierten Felder aus und fahren Sie dann fort.
profile-part-formatted = Vollständige Adresse
profile-part-streetAddress = Straße und Hausnummer
profile-part-locality = Ort
profile-part-region = Bundesland oder Region
profile-part-postalCode = Postleitzahl
profile-part-country = Land
profile-part-givenName = Vorname
profile-part-middleName = Zweiter Vorname
profile-part-familyName = Nachname

## Pages to come: code delivery failures
delivery-no-email-connector = Es ist kein E-Mail-Connector eingerichtet, daher kann kein Code per E-Mail gesendet werden. Wenden Sie sich an den Support der Anwendung.
delivery-no-sms-connector = Es ist kein SMS-Connector eingerichtet, daher kann kein Code per SMS gesendet werden. Wenden Sie sich an den Support der Anwendung.
delivery-failed = Der Code konnte nicht gesendet werden. Warten Sie eine Minute und versuchen Sie es erneut; wenn es wieder passiert, wenden Sie sich an den Support der Anwendung.
delivery-too-many = Es wurden zu viele Codes angefordert. Warten Sie einige Minuten und versuchen Sie es dann erneut.
code-send-wait-seconds = An diese Adresse wurden zu viele Codes gesendet. Versuchen Sie es in { $seconds } Sekunden erneut.
code-send-wait-minutes = An diese Adresse wurden zu viele Codes gesendet. Versuchen Sie es in { $minutes } Minuten erneut.

## Hosted code pages
back-to-sign-in = Zurück zur Anmeldung
code-other-address = Andere E-Mail-Adresse oder Telefonnummer verwenden
code-not-offered = Die Anmeldung mit einem Code ist für diese Adresse nicht verfügbar. Melden Sie sich mit Ihrem Passwort an oder verwenden Sie eine andere E-Mail-Adresse oder Telefonnummer.
code-no-account = Kein Konto verwendet diese E-Mail-Adresse oder Telefonnummer. Prüfen Sie sie oder erstellen Sie ein Konto.
password-same = Das neue Passwort ist dasselbe wie das aktuelle. Wählen Sie ein anderes.
register-code-not-offered = Mit dieser Art von Adresse kann hier kein Konto erstellt werden. Verwenden Sie eine andere oder erstellen Sie ein Konto mit einem Benutzernamen.
register-code-link = Konto stattdessen mit E-Mail-Adresse oder Telefonnummer erstellen

## Second factors (MFA) at sign-in
mfa-title = Bestätigung in zwei Schritten
mfa-totp-label = Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein
mfa-backup-code-label = Geben Sie einen Ihrer Backup-Codes ein
mfa-use-totp = Stattdessen die Authenticator-App verwenden
mfa-use-backup-code = Stattdessen einen Backup-Code verwenden
mfa-code-wrong = Dieser Code ist nicht korrekt. Prüfen Sie ihn und versuchen Sie es erneut.
mfa-onboarding-title = Schützen Sie Ihr Konto mit der Bestätigung in zwei Schritten
mfa-onboarding-intro = Nach Ihrem Passwort kann eine Authenticator-App auf Ihrem Telefon einen Code liefern, den nur Sie haben. Möchten Sie sie jetzt einrichten?
mfa-onboarding-accept = Authenticator-App einrichten
mfa-skip = Nicht jetzt
mfa-skip-refused = Für dieses Konto ist die Bestätigung in zwei Schritten erforderlich. Richten Sie sie ein, um fortzufahren.
mfa-bind-title = Authenticator-App einrichten
mfa-bind-intro = Scannen Sie diesen QR-Code mit einer Authenticator-App oder geben Sie den Schlüssel unten ein. Geben Sie dann den Code ein, den die App anzeigt.
mfa-bind-qr-alt = QR-Code zum Scannen mit Ihrer Authenticator-App
mfa-bind-secret = Schlüssel:
mfa-backup-codes-title = Ihre Backup-Codes
mfa-backup-codes-intro = Bewahren Sie diese Codes sicher auf. Jeder funktioniert einmal, wenn Sie Ihre Authenticator-App nicht verwenden können. Sie werden nur jetzt angezeigt.
mfa-backup-codes-download = Codes herunterladen
mfa-backup-codes-needed = Erstellen Sie Backup-Codes für den Fall, dass Sie Ihre Authenticator-App nicht verwenden können.
mfa-backup-codes-generate = Backup-Codes erstellen
