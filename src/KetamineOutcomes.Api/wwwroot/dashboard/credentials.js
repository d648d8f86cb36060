// Who the dashboard calls the API as (SPEC v2 "People, not shared keys"). When /dashboard/config.json names an issuer,
// the clinician signs in there: authorization code with PKCE (RFC 7636) through oidc-client-ts (vendor/), a public
// client with no secret; tokens stay in this tab's sessionStorage and go out as Authorization: Bearer. Otherwise a
// pasted API key (development), also in sessionStorage, sent as X-Api-Key.
// dashboard.js asks Credentials.headers() for every call and hears 'ko:signed-in' / 'ko:signed-out' on document.
'use strict';

const Credentials = (() => {
  const KeyName = 'ko.apiKey';
  const byId = (id) => document.getElementById(id);
  let manager = null; // an oidc.UserManager once the service has named an issuer
  let user = null; // the signed-in person (oidc.User), or null

  const announce = (name) => document.dispatchEvent(new Event(name));

  function status(message, isError = false) {
    byId('status').textContent = message;
    byId('status').classList.toggle('error', isError);
  }

  function show() {
    const name = user ? (user.profile.name || user.profile.sub) : null;
    byId('signed-in-as').textContent = name ? `Signed in as ${name}.` : 'Not signed in.';
    byId('sign-in').hidden = user !== null;
    byId('sign-out').hidden = user === null;
  }

  async function start() {
    let config;
    try {
      const response = await fetch('/dashboard/config.json', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(String(response.status));
      config = await response.json();
    } catch {
      status('The dashboard could not read its settings from the service; reload the page.', true);
      return;
    }
    if (!config.oidc) {
      if (sessionStorage.getItem(KeyName)) announce('ko:signed-in');
      return;
    }
    byId('key-section').hidden = true;
    byId('signin-section').hidden = false;
    const here = `${location.origin}${location.pathname}`;
    const store = new oidc.WebStorageStateStore({ store: sessionStorage });
    manager = new oidc.UserManager({
      authority: config.oidc.authority,
      client_id: config.oidc.clientId,
      scope: config.oidc.scope,
      resource: config.oidc.resource ?? undefined,
      response_type: 'code',
      redirect_uri: here,
      post_logout_redirect_uri: here,
      userStore: store,
      stateStore: store,
      // No hidden iframes or session polling: a token that ends is met by asking to sign in again.
      automaticSilentRenew: false,
      monitorSession: false,
      loadUserInfo: false,
    });
    await finishRedirect();
    user = await manager.getUser();
    if (user?.expired) await forget();
    show();
    if (user) announce('ko:signed-in');
  }

  // Back from the issuer: with a code (signed in), an error, or only a state (signed out there).
  async function finishRedirect() {
    const query = new URLSearchParams(location.search);
    if (!query.has('state') && !query.has('error')) return;
    try {
      if (query.has('code') || query.has('error')) {
        await manager.signinRedirectCallback();
        status('Signed in.');
      } else {
        await manager.signoutRedirectCallback();
        status('Signed out.');
      }
    } catch (e) {
      status(`Sign-in did not complete: ${e.message}`, true);
    }
    // The code and state are spent: off the address bar and out of the history.
    history.replaceState(null, '', location.pathname);
  }

  async function forget() {
    await manager.removeUser();
    user = null;
  }

  byId('sign-in').addEventListener('click', async () => {
    try {
      await manager.signinRedirect();
    } catch (e) {
      status(`The sign-in page could not be reached: ${e.message}`, true);
    }
  });

  // Signs out at the issuer when it offers that (end_session_endpoint), else in this tab only.
  byId('sign-out').addEventListener('click', async () => {
    const endSession = await manager.metadataService.getEndSessionEndpoint().catch(() => undefined);
    user = null;
    announce('ko:signed-out');
    if (endSession) {
      // Removes the stored user, then leaves for the issuer; the state brings the tab back to finishRedirect.
      await manager.signoutRedirect({ state: 'signed-out' });
      return;
    }
    await forget();
    show();
    status('Signed out in this tab.');
  });

  byId('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KeyName, byId('api-key').value.trim());
    byId('api-key').value = '';
    status('Key set for this tab.');
    announce('ko:signed-in');
  });
  byId('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KeyName);
    announce('ko:signed-out');
    status('Key forgotten.');
  });

  document.addEventListener('DOMContentLoaded', start);

  return {
    /** The headers that authenticate a call; throws (with words to show) when there is nobody to call as. */
    async headers() {
      if (!manager) {
        const key = sessionStorage.getItem(KeyName);
        if (!key) throw new Error('Enter an API key first.');
        return { 'X-Api-Key': key };
      }
      if (user?.expired) throw new Error(await this.refused());
      if (!user) throw new Error('Sign in first.');
      return { Authorization: `Bearer ${user.access_token}` };
    },

    /** The service answered 401. A signed-in person's token has ended or was refused: they sign in again (the words
     * to show). With a key: null, the service's own words stand. */
    async refused() {
      if (!manager) return null;
      await forget();
      show();
      announce('ko:signed-out');
      return 'Your sign-in has ended: sign in again.';
    },
  };
})();
