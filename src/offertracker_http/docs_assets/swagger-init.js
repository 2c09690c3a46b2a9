// Starts Swagger UI on this server's OpenAPI document. Ours, not vendored: a file rather than an
// inline script, so a Content-Security-Policy without 'unsafe-inline' still lets it run.
// Everything it names is a path on this server; validatorUrl null keeps Swagger UI from sending
// the document to validator.swagger.io for its badge.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
