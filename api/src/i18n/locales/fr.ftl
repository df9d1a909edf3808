# Les phrases des pages hébergées en français (mêmes clés que en.ftl).

## Shared
page-title-default = Tessera
error-title = Une erreur est survenue
error-failed = Une erreur est survenue de notre côté. Patientez une minute puis réessayez ; si le problème persiste, contactez le support de l'application.
error-busy-title = Service occupé
error-busy = Trop de connexions sont en cours de vérification. Patientez un instant, puis réessayez.
error-expired-title = Connexion expirée
error-expired = Cette connexion n'est plus valide. Retournez dans l'application et recommencez.
error-forbidden-title = Requête refusée
error-forbidden = Le formulaire n'a pas été envoyé depuis cette page de connexion. Rechargez la page et réessayez.
error-invalid-request-title = Requête invalide
error-unknown-app-title = Application inconnue
error-unknown-app = L'application qui vous a envoyé ici n'est pas enregistrée. Revenez en arrière et vérifiez le lien, ou contactez le support de l'application.
error-invalid-redirect-title = URI de redirection invalide
error-invalid-redirect = Le redirect_uri n'est pas enregistré pour cette application : vous ne serez donc pas renvoyé vers elle. Contactez le support de l'application.
error-bad-query = La requête d'autorisation n'est pas une chaîne de requête valide. Retournez dans l'application et réessayez.
error-no-client = La requête ne contient pas de client_id. Retournez dans l'application et réessayez.
error-request-uri-title = Ce lien de connexion ne fonctionne plus
error-request-uri = La demande de connexion a expiré ou a déjà été utilisée. Retournez dans l'application et recommencez.
error-no-redirect = La requête ne contient pas de redirect_uri. Retournez dans l'application et réessayez.
error-social-title = Connexion sociale indisponible
error-social = Ce serveur ne propose pas de connexion sociale : il ne peut pas vous connecter avec { $target }. Retournez dans l'application et choisissez un autre moyen de connexion.
error-sso-title = Authentification unique indisponible
error-sso = Ce serveur ne propose pas d'authentification unique d'entreprise. Retournez dans l'application et connectez-vous avec votre nom d'utilisateur ou votre e-mail et votre mot de passe.
error-reset-title = Réinitialisation du mot de passe indisponible
error-reset = Ce serveur ne peut pas encore réinitialiser les mots de passe. Demandez à l'administrateur de l'application de vous définir un nouveau mot de passe.
required = obligatoire

## Sign-in
sign-in-title = Connexion
sign-in-subtitle = pour continuer vers { $app }
identifier-label = Nom d'utilisateur ou e-mail
password-label = Mot de passe
sign-in-submit = Se connecter
create-account-link = Créer un compte
sign-in-incorrect = Le nom d'utilisateur, l'e-mail ou le mot de passe est incorrect. Vérifiez-les et réessayez.
sign-in-suspended = Ce compte est suspendu. Contactez le support de l'application pour le rétablir.
sign-in-locked = Trop de tentatives échouées. Patientez { $seconds } secondes, puis réessayez.

## Registration
register-title = Créez votre compte
register-subtitle = pour { $app }
username-label = Nom d'utilisateur
register-submit = Créer le compte
have-account-link = J'ai déjà un compte
registration-closed-title = Inscriptions fermées
registration-closed = Il n'est pas possible de créer de compte ici. Revenez en arrière et connectez-vous avec un compte existant.
username-invalid = Un nom d'utilisateur commence par une lettre ou _ et ne contient que des lettres, des chiffres et _. Choisissez-en un autre.
username-taken = Ce nom d'utilisateur est déjà pris. Choisissez-en un autre, ou connectez-vous.
password-too-short = Le mot de passe doit contenir au moins { $min } caractères. Choisissez-en un plus long.
password-too-long = Le mot de passe doit contenir au plus { $max } caractères. Choisissez-en un plus court.
password-character-types = Le mot de passe doit combiner au moins { $min } types parmi minuscules, majuscules, chiffres et symboles. Ajoutez les types manquants.
password-unsupported-characters = Le mot de passe ne peut contenir que des lettres, des chiffres et des symboles ASCII. Retirez les autres caractères.
password-pwned = Ce mot de passe figure dans des listes de mots de passe divulgués. Choisissez-en un autre.
password-repetition = Le mot de passe ne doit pas répéter un caractère plus de 3 fois de suite. Choisissez-en un autre.
password-sequence = Le mot de passe ne doit pas contenir de suites comme 1234 ou azer. Choisissez-en un autre.
password-user-info = Le mot de passe ne doit pas contenir votre nom d'utilisateur, votre nom, votre e-mail ou votre téléphone. Choisissez-en un autre.
password-words = Le mot de passe contient un mot interdit. Choisissez-en un autre.

## Consent
consent-title = Autoriser l'accès ?
consent-asking = { $app } demande :
consent-allow = Autoriser
consent-deny = Refuser
device-title = Connecter un appareil
device-code-label = Saisissez le code affiché sur votre appareil
device-code-submit = Continuer
device-code-unknown = Ce code n'est pas valide ou a expiré. Vérifiez le code sur votre appareil et saisissez-le de nouveau ; si l'appareil en affiche un nouveau, utilisez-le.
device-code-too-many = Trop de codes erronés ont été saisis. Attendez une minute, puis réessayez.
device-gone-title = Demande de l'appareil terminée
device-gone = La demande de cet appareil a expiré ou a déjà reçu une réponse. Recommencez sur l'appareil.
device-confirm-title = Connecter cet appareil ?
device-confirm-asking = { $app } sur un appareil demande :
device-confirm-resources = L'accès à ces API :
device-confirm-warning = N'approuvez que si vous avez lancé cette demande sur un appareil que vous avez avec vous.
device-approve = Approuver
device-deny = Refuser
device-approved-title = Appareil connecté
device-approved = Vous êtes connecté sur l'appareil. Vous pouvez fermer cette fenêtre.
device-denied-title = Demande refusée
device-denied = L'appareil n'a pas été connecté. Vous pouvez fermer cette fenêtre.
scope-openid = Votre identité
scope-openid-description = Savoir avec quel compte vous vous êtes connecté.
scope-offline-access = Rester connecté
scope-offline-access-description = Garder l’accès en votre absence, jusqu’à ce que vous vous déconnectiez ou le révoquiez.
scope-profile = Votre profil
scope-profile-description = Votre nom, nom d’utilisateur, photo et autres informations de profil.
scope-email = Votre adresse e-mail
scope-email-description = Votre adresse e-mail et si elle est vérifiée.
scope-phone = Votre numéro de téléphone
scope-phone-description = Votre numéro de téléphone et s’il est vérifié.
scope-address = Votre adresse
scope-address-description = Votre adresse postale.
scope-custom-data = Les données de votre compte
scope-custom-data-description = Les données supplémentaires que ce service conserve sur votre compte.
scope-roles = Vos rôles
scope-roles-description = Les rôles de votre compte.
scope-sessions = Vos sessions
scope-sessions-description = Voir et fermer les sessions où vous êtes connecté.

## Sign-out
logout-title = Se déconnecter ?
logout-question = Voulez-vous vous déconnecter de cet appareil ?
logout-submit = Se déconnecter
signed-out-title = Vous êtes déconnecté
signed-out-close = Vous pouvez fermer cette fenêtre.
signed-out-interaction = Cette connexion a pris fin avec votre session. Retournez dans l'application et recommencez.
logout-expired-title = Déconnexion expirée
logout-expired = Cette déconnexion n'est plus valide. Retournez dans l'application et déconnectez-vous à nouveau.
logout-forbidden = La déconnexion n'a pas été confirmée depuis la page de ce serveur. Retournez dans l'application et déconnectez-vous à nouveau.
logout-malformed = La requête de déconnexion est mal formée. Retournez dans l'application et réessayez.
logout-needs-client = La requête de déconnexion indique un post_logout_redirect_uri sans client_id. Contactez le support de l'application.
logout-invalid-redirect = Le post_logout_redirect_uri n'est pas enregistré pour cette application. Contactez le support de l'application.

## The operator's page (/)
home-title = Tessera fonctionne
home-issuer = Émetteur :
home-docs = Documentation de l'API
home-openapi = Document OpenAPI
home-discovery = Découverte OpenID Connect
home-status = État
home-access-file = Accès à l'API Management : l'application machine à machine créée par ce serveur à son premier démarrage. Son identifiant et son secret se trouvent dans ce fichier, lisible uniquement par l'utilisateur du serveur :
home-access-configured = Accès à l'API Management : l'application désignée par ce paramètre :

## Pages to come: sign-in with a verification code
code-sign-in-title = Connexion avec un code de vérification
code-sign-in-link = Se connecter plutôt avec un code de vérification
code-label = Code de vérification
code-send = Envoyer le code
code-enter = Saisissez le code à 6 chiffres envoyé à { $target }
code-resend = Renvoyer le code
code-resend-wait = Vous pourrez demander un nouveau code dans { $seconds } secondes.
code-submit = Continuer
code-expired = Ce code a expiré. Demandez un nouveau code et réessayez.
code-invalid = Ce code est incorrect. Vérifiez-le et réessayez, ou demandez un nouveau code.
email-label = E-mail
phone-label = Numéro de téléphone

## Pages to come: forgot password
forgot-password-link = Mot de passe oublié ?
reset-password-title = Réinitialiser le mot de passe
reset-password-intro = Saisissez votre e-mail ou votre numéro de téléphone : nous vous enverrons un code pour réinitialiser votre mot de passe.
new-password-label = Nouveau mot de passe
confirm-password-label = Confirmez le nouveau mot de passe
reset-password-submit = Réinitialiser le mot de passe
reset-password-done = Votre mot de passe a été modifié. Connectez-vous avec le nouveau mot de passe.
password-mismatch = Les deux mots de passe ne sont pas identiques. Saisissez-les à nouveau.

## Pages to come: registration with a verified email or phone
register-email-title = Créez votre compte avec votre e-mail
register-phone-title = Créez votre compte avec votre numéro de téléphone
verify-email-title = Vérifiez votre e-mail
verify-phone-title = Vérifiez votre numéro de téléphone
email-taken = Cet e-mail est déjà utilisé. Connectez-vous plutôt, ou utilisez un autre e-mail.
phone-taken = Ce numéro de téléphone est déjà utilisé. Connectez-vous plutôt, ou utilisez un autre numéro.
email-invalid = Cette adresse e-mail n'est pas valide. Vérifiez-la et réessayez.
phone-invalid = Ce numéro de téléphone n'est pas valide. Indiquez l'indicatif du pays, par exemple +33 6 12 34 56 78.

## Pages to come: the profile step
profile-title = Parlez-nous de vous
profile-intro = { $app } a besoin de quelques informations de plus avant de continuer.
profile-name = Nom complet
profile-given-name = Prénom
profile-family-name = Nom de famille
profile-birthdate = Date de naissance
profile-gender = Genre
profile-address = Adresse
profile-submit = Continuer
profile-missing = Remplissez tous les champs marqués obligatoires, puis continuez.
profile-part-formatted = Adresse complète
profile-part-streetAddress = Numéro et rue
profile-part-locality = Ville
profile-part-region = Région ou État
profile-part-postalCode = Code postal
profile-part-country = Pays
profile-part-givenName = Prénom
profile-part-middleName = Deuxième prénom
profile-part-familyName = Nom de famille

## Pages to come: code delivery failures
delivery-no-email-connector = Aucun connecteur e-mail n'est configuré : aucun code ne peut être envoyé par e-mail. Contactez le support de l'application.
delivery-no-sms-connector = Aucun connecteur SMS n'est configuré : aucun code ne peut être envoyé par SMS. Contactez le support de l'application.
delivery-failed = Le code n'a pas pu être envoyé. Patientez une minute et réessayez ; si le problème persiste, contactez le support de l'application.
delivery-too-many = Trop de codes ont été demandés. Patientez quelques minutes, puis réessayez.
code-send-wait-seconds = Trop de codes ont été envoyés à cette adresse. Réessayez dans { $seconds } secondes.
code-send-wait-minutes = Trop de codes ont été envoyés à cette adresse. Réessayez dans { $minutes } minutes.

## Hosted code pages
back-to-sign-in = Retour à la connexion
code-other-address = Utiliser un autre e-mail ou numéro de téléphone
code-not-offered = La connexion par code n'est pas proposée pour cette adresse. Connectez-vous avec votre mot de passe, ou utilisez un autre e-mail ou numéro de téléphone.
code-no-account = Aucun compte n'utilise cet e-mail ou ce numéro de téléphone. Vérifiez-le, ou créez un compte.
password-same = Le nouveau mot de passe est identique à l'actuel. Choisissez-en un autre.
register-code-not-offered = Impossible de créer un compte avec ce type d'adresse ici. Utilisez-en une autre, ou créez un compte avec un nom d'utilisateur.
register-code-link = Créer plutôt votre compte avec votre e-mail ou votre numéro de téléphone

## Second factors (MFA) at sign-in
mfa-title = Validation en deux étapes
mfa-totp-label = Saisissez le code à 6 chiffres de votre application d'authentification
mfa-backup-code-label = Saisissez l'un de vos codes de secours
mfa-use-totp = Utiliser plutôt votre application d'authentification
mfa-use-backup-code = Utiliser plutôt un code de secours
mfa-code-wrong = Ce code n'est pas correct. Vérifiez-le et réessayez.
mfa-onboarding-title = Protégez votre compte avec la validation en deux étapes
mfa-onboarding-intro = Après votre mot de passe, une application d'authentification sur votre téléphone peut fournir un code que vous seul avez. Voulez-vous la configurer maintenant ?
mfa-onboarding-accept = Configurer une application d'authentification
mfa-skip = Pas maintenant
mfa-skip-refused = La validation en deux étapes est obligatoire pour ce compte. Configurez-la pour continuer.
mfa-bind-title = Configurez votre application d'authentification
mfa-bind-intro = Scannez ce code QR avec une application d'authentification, ou saisissez-y la clé ci-dessous. Saisissez ensuite le code affiché par l'application.
mfa-bind-qr-alt = Code QR à scanner avec votre application d'authentification
mfa-bind-secret = Clé :
mfa-backup-codes-title = Vos codes de secours
mfa-backup-codes-intro = Conservez ces codes en lieu sûr. Chacun fonctionne une fois, quand vous ne pouvez pas utiliser votre application d'authentification. Ils ne sont affichés que maintenant.
mfa-backup-codes-download = Télécharger les codes
mfa-backup-codes-needed = Créez des codes de secours, pour le cas où vous ne pourriez pas utiliser votre application d'authentification.
mfa-backup-codes-generate = Créer des codes de secours
