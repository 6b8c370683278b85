// The signed-in API key and the acting subaccount, kept in sessionStorage only: they last as long as
// the browser tab and are never written to disk by the console or sent anywhere but /v3.
const KEY = 'petrel.apiKey';
const ACCOUNT = 'petrel.subaccountId';

export const session = {
  apiKey: () => sessionStorage.getItem(KEY),
  signIn(apiKey) {
    sessionStorage.setItem(KEY, apiKey);
    sessionStorage.removeItem(ACCOUNT);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ACCOUNT);
  },
  /** The subaccount the console acts in (sent as subaccount_id), or null for the key's own account. */
  subaccountId: () => sessionStorage.getItem(ACCOUNT),
  setSubaccountId(id) {
    if (id) sessionStorage.setItem(ACCOUNT, id);
    else sessionStorage.removeItem(ACCOUNT);
  },
};
