//! The sandbox's configuration: tenants, their app registrations (clients)
//! and resources, the demo API's credentials, timings and ports.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// Placeholder in a resource identifier for the App Proxy front's external
/// URL over plain HTTP (replaced once the port is known).
pub const PROXY_URL: &str = "{proxy_url}";
/// Placeholder for the App Proxy front's external URL over HTTPS.
pub const PROXY_TLS_URL: &str = "{proxy_tls_url}";

/// What the sandbox serves. `Config::default()` is the demo setup
/// ([`Config::demo`]); a JSON file overrides only the fields it names.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// First port of five consecutive ones (token service, App Proxy front,
    /// front over HTTPS, mTLS API, plain API); `None`: random ports.
    pub port: Option<u16>,
    /// Lifetime of issued access tokens, in seconds (Entra: about 3600).
    pub token_lifetime_secs: u64,
    /// Delay before the token service answers, in milliseconds.
    pub token_delay_ms: u64,
    /// How long the front waits for the backend before a 504, in
    /// milliseconds (App Proxy: 85 s by default, 180 s when "Long").
    pub backend_timeout_ms: u64,
    /// How long a client may take to send a request's headers, in
    /// milliseconds; slower connections are closed (slow-loris defence).
    pub header_timeout_ms: u64,
    /// Most connections each of the sandbox's servers keeps open at once;
    /// further ones are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Password of the demo client's PKCS#12 file.
    pub pfx_password: String,
    /// The App Proxy application's client id (seen in its sign-in redirects).
    pub proxy_app_id: String,
    /// The front marks its answers with `x-ms-proxy-*` headers. `false`
    /// stands for an app published on a custom domain whose answers carry
    /// none: only the error page itself tells App Proxy apart.
    pub proxy_headers: bool,
    /// Credentials the demo API expects.
    pub api: ApiConfig,
    /// The directories. The App Proxy app is published in the first tenant
    /// that has a resource with `app_proxy: true`.
    pub tenants: Vec<TenantConfig>,
}

/// Credentials the demo on-premises API checks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// `/api/cookie-protected` wants the cookie `session=<this>`.
    pub session_cookie: String,
    /// `/api/header-protected` wants the header `PRIVATE-TOKEN: <this>`.
    pub private_token: String,
    /// `/api/basic` user name.
    pub basic_user: String,
    /// `/api/basic` password.
    pub basic_password: String,
}

/// One Entra directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Tenant id (a GUID).
    pub id: String,
    /// Primary domain, e.g. `contoso.onmicrosoft.com` (also usable in URLs).
    pub domain: String,
    /// Enterprise applications that tokens can be asked for.
    #[serde(default)]
    pub resources: Vec<ResourceConfig>,
    /// App registrations that ask for tokens (client credentials).
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
}

/// A resource (an API's service principal).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    /// Display name; clients' `grants` refer to it.
    pub name: String,
    /// Application (client) id; also accepted as a resource identifier.
    pub app_id: String,
    /// Application ID URIs. `{proxy_url}` and `{proxy_tls_url}` stand for
    /// the front's external URLs.
    #[serde(default)]
    pub identifiers: Vec<String>,
    /// A disabled service principal: token requests fail with AADSTS50001.
    #[serde(default)]
    pub disabled: bool,
    /// Published through the App Proxy front.
    #[serde(default)]
    pub app_proxy: bool,
}

/// An app registration that uses the client-credentials grant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Display name.
    pub name: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secrets (some may be expired).
    #[serde(default)]
    pub secrets: Vec<SecretConfig>,
    /// The sandbox's demo certificate is registered on this app.
    #[serde(default)]
    pub demo_certificate: bool,
    /// Further certificates (PEM, RSA keys) registered on this app.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Application permissions granted with admin consent: resource name →
    /// app roles (e.g. `user_impersonation`).
    #[serde(default)]
    pub grants: BTreeMap<String, Vec<String>>,
}

/// One client secret.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretConfig {
    /// The secret's value.
    pub value: String,
    /// Past its end date: Entra answers AADSTS7000222.
    #[serde(default)]
    pub expired: bool,
}

impl fmt::Debug for SecretConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretConfig")
            .field("value", &"********")
            .field("expired", &self.expired)
            .finish()
    }
}

/// Demo tenant id (Contoso).
pub const DEMO_TENANT_ID: &str = "7d3c2a94-5b1e-4f0a-9c6d-2e8b1f4a0c31";
/// Demo tenant domain.
pub const DEMO_TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// Demo client id (has consent for the App Proxy app).
pub const DEMO_CLIENT_ID: &str = "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60718";
/// The demo client's secret (sandbox demo credential, fine to print).
pub const DEMO_CLIENT_SECRET: &str = "lapis~sandbox.demo-secret_1";
/// An expired secret of the demo client.
pub const DEMO_EXPIRED_SECRET: &str = "lapis~sandbox.expired-secret_0";
/// A client registered without consent for the App Proxy app.
pub const NO_CONSENT_CLIENT_ID: &str = "b2c4d6e8-1a3c-4e5f-8a9b-0c1d2e3f4a5b";
/// Its secret.
pub const NO_CONSENT_CLIENT_SECRET: &str = "lapis~sandbox.no-consent_1";
/// A second tenant (Fabrikam), where the App Proxy app is not published.
pub const OTHER_TENANT_ID: &str = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5c";
/// Its domain.
pub const OTHER_TENANT_DOMAIN: &str = "fabrikam.onmicrosoft.com";
/// A client of the second tenant.
pub const OTHER_CLIENT_ID: &str = "c0ffee00-1234-4abc-9def-0123456789ab";
/// Its secret.
pub const OTHER_CLIENT_SECRET: &str = "lapis~sandbox.fabrikam_1";
/// The App Proxy app's client id.
pub const PROXY_APP_ID: &str = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
/// Identifier of a registered API that is not the App Proxy app.
pub const OTHER_API_ID_URI: &str = "api://lapis-sandbox-other-api";
/// Identifier of a disabled API.
pub const DISABLED_API_ID_URI: &str = "api://lapis-sandbox-disabled-api";

impl Default for Config {
    fn default() -> Self {
        Config::demo()
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            session_cookie: "lapis-sandbox-session-0001".into(),
            private_token: "lapis-sandbox-private-token".into(),
            basic_user: "sandbox-user".into(),
            basic_password: "sandbox-basic-password".into(),
        }
    }
}

impl Config {
    /// The demo setup: tenant Contoso with the App Proxy app, another API
    /// and a disabled one; a demo client (secret, expired secret, the demo
    /// certificate, consent for `user_impersonation`) and a client without
    /// consent; tenant Fabrikam with one client.
    pub fn demo() -> Config {
        let proxy_resource = ResourceConfig {
            name: "Lapis sandbox App Proxy".into(),
            app_id: PROXY_APP_ID.into(),
            identifiers: vec![PROXY_URL.into(), PROXY_TLS_URL.into()],
            disabled: false,
            app_proxy: true,
        };
        let secret = |v: &str, expired: bool| SecretConfig {
            value: v.into(),
            expired,
        };
        Config {
            port: None,
            token_lifetime_secs: 3600,
            token_delay_ms: 0,
            backend_timeout_ms: 85_000,
            header_timeout_ms: 10_000,
            max_connections: 256,
            pfx_password: "lapis-sandbox-pfx".into(),
            proxy_app_id: PROXY_APP_ID.into(),
            proxy_headers: true,
            api: ApiConfig::default(),
            tenants: vec![
                TenantConfig {
                    id: DEMO_TENANT_ID.into(),
                    domain: DEMO_TENANT_DOMAIN.into(),
                    resources: vec![
                        proxy_resource.clone(),
                        ResourceConfig {
                            name: "Other API".into(),
                            app_id: "0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b".into(),
                            identifiers: vec![OTHER_API_ID_URI.into()],
                            disabled: false,
                            app_proxy: false,
                        },
                        ResourceConfig {
                            name: "Disabled API".into(),
                            app_id: "d15ab1ed-0000-4000-8000-00000000d15a".into(),
                            identifiers: vec![DISABLED_API_ID_URI.into()],
                            disabled: true,
                            app_proxy: false,
                        },
                    ],
                    clients: vec![
                        ClientConfig {
                            name: "Lapis sandbox demo client".into(),
                            client_id: DEMO_CLIENT_ID.into(),
                            secrets: vec![
                                secret(DEMO_CLIENT_SECRET, false),
                                secret(DEMO_EXPIRED_SECRET, true),
                            ],
                            demo_certificate: true,
                            certificates: Vec::new(),
                            grants: BTreeMap::from([
                                (
                                    "Lapis sandbox App Proxy".to_string(),
                                    vec!["user_impersonation".to_string()],
                                ),
                                ("Other API".to_string(), vec!["Data.Read".to_string()]),
                                ("Disabled API".to_string(), vec!["Data.Read".to_string()]),
                            ]),
                        },
                        ClientConfig {
                            name: "Client without consent".into(),
                            client_id: NO_CONSENT_CLIENT_ID.into(),
                            secrets: vec![secret(NO_CONSENT_CLIENT_SECRET, false)],
                            demo_certificate: false,
                            certificates: Vec::new(),
                            grants: BTreeMap::new(),
                        },
                    ],
                },
                TenantConfig {
                    id: OTHER_TENANT_ID.into(),
                    domain: OTHER_TENANT_DOMAIN.into(),
                    resources: vec![ResourceConfig {
                        name: "Fabrikam copy of the proxy app".into(),
                        app_id: "fab00000-1111-4222-8333-444455556666".into(),
                        identifiers: vec![PROXY_URL.into(), PROXY_TLS_URL.into()],
                        disabled: false,
                        app_proxy: false,
                    }],
                    clients: vec![ClientConfig {
                        name: "Fabrikam client".into(),
                        client_id: OTHER_CLIENT_ID.into(),
                        secrets: vec![secret(OTHER_CLIENT_SECRET, false)],
                        demo_certificate: false,
                        certificates: Vec::new(),
                        grants: BTreeMap::from([(
                            "Fabrikam copy of the proxy app".to_string(),
                            vec!["user_impersonation".to_string()],
                        )]),
                    }],
                },
            ],
        }
    }

    /// Reads a JSON configuration file; fields it leaves out keep their
    /// demo values. The error names the file and the line and column.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, String> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a JSON configuration (see [`Config::from_file`]).
    pub fn from_json(text: &str) -> Result<Config, String> {
        let config: Config = serde_json::from_str(text)
            .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks what serde cannot: a tenant to publish the proxy app in, port
    /// room, no duplicate tenants.
    pub fn check(&self) -> Result<(), String> {
        if self.header_timeout_ms == 0 {
            return Err("header_timeout_ms: must be at least 1".into());
        }
        if self.max_connections == 0 {
            return Err("max_connections: must be at least 1".into());
        }
        if self.tenants.is_empty() {
            return Err("tenants: at least one tenant is needed".into());
        }
        if let Some(p) = self.port {
            if p == 0 || p > u16::MAX - 4 {
                return Err(format!(
                    "port: {p} leaves no room for the five consecutive ports the sandbox uses"
                ));
            }
        }
        for (i, t) in self.tenants.iter().enumerate() {
            for u in &self.tenants[..i] {
                if u.id.eq_ignore_ascii_case(&t.id) || u.domain.eq_ignore_ascii_case(&t.domain) {
                    return Err(format!(
                        "tenants[{i}]: id or domain repeats an earlier tenant"
                    ));
                }
            }
            for (j, c) in t.clients.iter().enumerate() {
                for name in c.grants.keys() {
                    if !t.resources.iter().any(|r| &r.name == name) {
                        return Err(format!(
                            "tenants[{i}].clients[{j}].grants: no resource named '{name}' in this tenant"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The tenant the App Proxy app is published in.
    pub fn proxy_tenant(&self) -> &TenantConfig {
        self.tenants
            .iter()
            .find(|t| t.resources.iter().any(|r| r.app_proxy))
            .unwrap_or(&self.tenants[0])
    }
}
