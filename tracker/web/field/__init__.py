"""The field app (issue 17): an installable offline web app for inspections on a phone.

The shell page (/field/), its web app manifest, its service worker (/field/sw.js, scope /field/), its scripts,
styles and icons (/field/assets/..., served gzip-compressed), and the device token a signed-in officer's phone
gets to call the JSON API. What the app does in the browser is tracker/static/field/ (README: "Field app")."""
