// The console's entry point: sign-in, the header (navigation, acting account, sign-out) and a hash
// router that renders one page module into <main>.
import { api, setUnauthorizedHandler } from './api.js';
import { refreshAccounts, setSwitchHandler } from './account-switch.js';
import { announce, h } from './dom.js';
import { clearErrors, formAlert, showAlert, showFieldError, textField, whileBusy } from './form.js';
import { session } from './session.js';
import * as activity from './pages/activity.js';
import * as apiKeys from './pages/api-keys.js';
import * as domains from './pages/domains.js';
import * as pools from './pages/pools.js';
import * as restrictions from './pages/restrictions.js';
import * as stats from './pages/stats.js';
import { archive, sandbox } from './pages/messages.js';
import * as subaccounts from './pages/subaccounts.js';
import * as suppressions from './pages/suppressions.js';
import * as templates from './pages/templates.js';
import * as userForm from './pages/user-form.js';
import * as users from './pages/users.js';
import * as webhooks from './pages/webhooks.js';

/** Route patterns (after "#/") to page renderers; ":name" captures one URL-decoded segment. */
const ROUTES = [
  ['users', users.renderList],
  ['users/new', userForm.renderAdd],
  ['users/edit/:username', userForm.renderEdit],
  ['subaccounts', subaccounts.renderList],
  ['subaccounts/new', subaccounts.renderAdd],
  ['subaccounts/edit/:id', subaccounts.renderEdit],
  ['keys', apiKeys.renderList],
  ['keys/new', apiKeys.renderAdd],
  ['pools', pools.renderList],
  ['activity', activity.renderPage],
  ['sandbox', sandbox.renderList],
  ['sandbox/:emailId', sandbox.renderMessage],
  ['archive', archive.renderList],
  ['archive/:emailId', archive.renderMessage],
  ['domains', domains.renderList],
  ['webhooks', webhooks.renderList],
  ['webhooks/new', webhooks.renderAdd],
  ['webhooks/:id', webhooks.renderDetail],
  ['restrictions', restrictions.renderPage],
  ['suppressions', suppressions.renderPage],
  ['stats', stats.renderPage],
  ['templates', templates.renderList],
  ['templates/new', templates.renderAdd],
  ['templates/edit/:id', templates.renderEdit],
];

const NAV = [
  ['users', 'SMTP users'],
  ['subaccounts', 'Subaccounts'],
  ['keys', 'API keys'],
  ['pools', 'IP pools'],
  ['activity', 'Activity'],
  ['stats', 'Statistics'],
  ['sandbox', 'Sandbox'],
  ['archive', 'Archive'],
  ['domains', 'Sender domains'],
  ['webhooks', 'Webhooks'],
  ['restrictions', 'Restrictions'],
  ['suppressions', 'Suppressions'],
  ['templates', 'Templates'],
];

const main = document.getElementById('main');
let renderCount = 0;

function matchRoute(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, render] of ROUTES) {
    const names = pattern.split('/');
    if (names.length !== parts.length) continue;
    const params = {};
    const ok = names.every((name, i) => {
      if (name.startsWith(':')) {
        params[name.slice(1)] = decodeURIComponent(parts[i]);
        return true;
      }
      return name === parts[i];
    });
    if (ok) return { render, params, section: names[0] };
  }
  return null;
}

function currentPath() {
  return location.hash.startsWith('#/') ? location.hash.slice(2) : '';
}

export function navigate(path) {
  location.hash = `#/${path}`;
}

function showChrome(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('sign-out').hidden = !signedIn;
  if (!signedIn) document.getElementById('account-switch').hidden = true;
}

function markNav(section) {
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function render({ focus }) {
  renderCount += 1;
  const token = renderCount;
  if (!session.apiKey()) {
    showChrome(false);
    renderSignIn();
    return;
  }
  showChrome(true);
  const route = matchRoute(currentPath());
  if (!route) {
    navigate('users');
    return;
  }
  markNav(route.section);
  main.replaceChildren();
  main.setAttribute('aria-busy', 'true');
  const ctx = {
    main,
    params: route.params,
    navigate,
    isCurrent: () => token === renderCount,
    /** Sets the document title and returns the page's <h1>. */
    heading(text) {
      document.title = `${text} · Petrel console`;
      return h('h1', { tabindex: '-1' }, text);
    },
  };
  try {
    await route.render(ctx);
  } finally {
    if (ctx.isCurrent()) main.removeAttribute('aria-busy');
  }
  if (focus && ctx.isCurrent()) main.querySelector('h1')?.focus();
}

function renderSignIn(message) {
  document.title = 'Sign in · Petrel console';
  const alert = formAlert();
  const key = textField({
    name: 'api_key',
    label: 'API key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    hint: 'Kept in this browser tab only (session storage) and sent to Petrel as X-Smtp2go-Api-Key.',
  });
  const form = h(
    'form',
    { class: 'card sign-in', novalidate: true },
    h('h1', { tabindex: '-1' }, 'Sign in to Petrel'),
    alert,
    key,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = form.elements.namedItem('api_key').value.trim();
    if (value === '') {
      showFieldError(form, 'api_key', 'Enter an API key (api- followed by 32 characters).');
      return;
    }
    await whileBusy(form, async () => {
      try {
        // Any answer but 401 proves the key: a key limited to other endpoints gets 403 here.
        await api('/users/smtp/view', { page_size: 1 }, { key: value, scoped: false });
      } catch (error) {
        if (error.status === 401) {
          showFieldError(form, 'api_key', 'Petrel did not accept this API key.');
          return;
        }
        if (error.status !== 403) {
          showAlert(alert, error.message);
          return;
        }
      }
      session.signIn(value);
      announce('Signed in');
      void refreshAccounts();
      if (currentPath() === '') navigate('users');
      else void render({ focus: true });
    });
  });
  main.replaceChildren(form);
  if (message) showAlert(alert, message);
  form.elements.namedItem('api_key').focus();
}

function buildNav() {
  const nav = document.getElementById('nav');
  nav.replaceChildren(
    h(
      'ul',
      {},
      NAV.map(([section, label]) =>
        h('li', {}, h('a', { href: `#/${section}`, dataset: { section } }, label)),
      ),
    ),
  );
}

function start() {
  buildNav();
  document.getElementById('sign-out').addEventListener('click', () => {
    session.signOut();
    announce('Signed out');
    void render({ focus: false });
  });
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    // The hash belongs to the router, so the skip link moves focus itself.
    event.preventDefault();
    main.focus();
  });
  setUnauthorizedHandler(() => {
    session.signOut();
    showChrome(false);
    renderSignIn('Petrel no longer accepts this API key. Sign in again.');
  });
  setSwitchHandler(() => void render({ focus: false }));
  window.addEventListener('hashchange', () => void render({ focus: true }));
  if (session.apiKey()) void refreshAccounts();
  void render({ focus: false });
}

start();
