"""Prints an end-user access token for schemathesis's Account API run.

Usage: python3 .ci/user_token.py URL MANAGEMENT_TOKEN

Like a browser and a SPA would: creates an SPA application and a user through the
Management API, opens the Account API to the user (account center enabled, every field
editable), follows /oidc/auth to the hosted sign-in form, posts it with its CSRF token,
and redeems the code with PKCE (RFC 7636 appendix B's verifier). Standard library only.
"""

import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

URL, ADMIN = sys.argv[1], sys.argv[2]
CB = "http://127.0.0.1:9/cb"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
PASSWORD = "schemathesis user password 1!"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))


def call(method, path, body=None, token=ADMIN, form=None):
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["content-type"] = "application/x-www-form-urlencoded"
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    try:
        response = browser.open(request)
    except urllib.error.HTTPError as answer:  # 3xx (not followed) and 4xx land here
        response = answer
    return response.status, response.headers, response.read().decode()


status, _, text = call("POST", "/api/applications", {
    "name": "schemathesis SPA", "type": "SPA",
    "oidcClientMetadata": {"redirectUris": [CB], "postLogoutRedirectUris": [CB]},
})
assert status == 200, text
client = json.loads(text)["id"]
status, _, text = call("POST", "/api/users", {"username": "st_user", "password": PASSWORD})
assert status == 200, text
fields = ["name", "avatar", "profile", "email", "phone", "password", "username",
          "customData", "session"]
status, _, text = call("PATCH", "/api/account-center", {
    "enabled": True, "fields": {f: "Edit" for f in fields},
})
assert status == 200, text

query = urllib.parse.urlencode({
    "client_id": client, "redirect_uri": CB, "response_type": "code",
    "scope": "openid offline_access profile email phone custom_data urn:logto:scope:sessions",
    "state": "st", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
})
status, headers, text = call("GET", f"/oidc/auth?{query}", token=None)
assert status == 303, (status, text)
status, _, page = call("GET", headers["location"], token=None)
assert status == 200, page
csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
status, headers, text = call("POST", "/sign-in", token=None, form={
    "identifier": "st_user", "password": PASSWORD, "csrf_token": csrf,
})
assert status == 303, (status, text)
back = headers["location"]
if back.startswith("/"):  # consent or another step through the provider
    status, headers, text = call("GET", back, token=None)
    back = headers["location"]
code = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)["code"][0]
status, _, text = call("POST", "/oidc/token", token=None, form={
    "grant_type": "authorization_code", "client_id": client, "code": code,
    "redirect_uri": CB, "code_verifier": VERIFIER,
})
assert status == 200, text
print(json.loads(text)["access_token"])
