//! A local stand-in for Entra's token endpoints, an App Proxy front and a
//! demo on-premises API, on loopback. (Stub: being written.)
