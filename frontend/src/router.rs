//! Moving between screens without reloading the app: where the app is (from the address bar),
//! going somewhere (the browser's history), links and redirects. Kept to what the two apps use:
//! the routes are one enum parsed by hand ([`Route::recognize`]), so no route table, pattern
//! matcher or serialised history state ships to a phone.

use crate::app::Route;
use std::rc::Rc;
use yew::prelude::*;

/// Where the app is: the screen and the address's query (without the `?`).
#[derive(Clone, PartialEq, Debug)]
pub struct Location {
    pub route: Route,
    pub query: String,
}

impl Location {
    /// The value of `name` in the query, if it is there (read by the browser's own parser).
    pub fn param(&self, name: &str) -> Option<String> {
        web_sys::UrlSearchParams::new_with_str(&self.query)
            .ok()?
            .get(name)
    }

    /// Where the browser is now, within the app served at `base`.
    fn current(base: &str) -> Self {
        let location = web_sys::window().map(|w| w.location());
        let read = |get: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| get(l).ok())
                .unwrap_or_default()
        };
        let path = read(web_sys::Location::pathname);
        let query = read(web_sys::Location::search);
        Location {
            route: Route::recognize(path.strip_prefix(base).unwrap_or(&path)),
            query: query.strip_prefix('?').unwrap_or(&query).to_owned(),
        }
    }
}

/// A query of `name=value` pairs, written by the browser's own serialiser (it escapes).
pub fn query(pairs: &[(&str, &str)]) -> AttrValue {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return AttrValue::default();
    };
    for (name, value) in pairs {
        params.append(name, value);
    }
    String::from(params.to_string()).into()
}

/// Goes to another screen of the app.
#[derive(Clone, PartialEq)]
pub struct Navigator {
    base: &'static str,
    seen: UseStateSetter<Location>,
}

impl Navigator {
    /// The address of `route` (and `query`, if any) in this app.
    pub fn href(&self, route: &Route, query: Option<&str>) -> String {
        let path = route.to_path();
        match query {
            Some(query) if !query.is_empty() => format!("{}{path}?{query}", self.base),
            _ => format!("{}{path}", self.base),
        }
    }

    /// Goes to `route`, a new entry in the history.
    pub fn push(&self, route: &Route) {
        self.go(route, None, false);
    }

    /// Goes to `route` in place of where the app is (Back does not return here).
    pub fn replace(&self, route: &Route) {
        self.go(route, None, true);
    }

    fn go(&self, route: &Route, query: Option<&str>, replace: bool) {
        let url = self.href(route, query);
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let null = wasm_bindgen::JsValue::NULL;
            let _ = match replace {
                true => history.replace_state_with_url(&null, "", Some(&url)),
                false => history.push_state_with_url(&null, "", Some(&url)),
            };
        }
        self.seen.set(Location::current(self.base));
    }
}

#[derive(Clone, PartialEq)]
struct RouterContext {
    location: Rc<Location>,
    navigator: Navigator,
}

#[derive(Properties, PartialEq)]
pub struct RouterProps {
    /// Where the app is served (`""` or `"/c"`): its routes are under it.
    pub base: &'static str,
    pub children: Html,
}

/// Follows the address bar (Back and Forward included) for everything inside it.
#[component]
pub fn Router(props: &RouterProps) -> Html {
    let base = props.base;
    let location = use_state(|| Location::current(base));
    {
        let seen = location.setter();
        use_effect_with(base, move |base| {
            let base = *base;
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "popstate", move |_| {
                    seen.set(Location::current(base))
                })
            });
            move || drop(listener)
        });
    }
    let context = RouterContext {
        location: Rc::new((*location).clone()),
        navigator: Navigator {
            base,
            seen: location.setter(),
        },
    };
    html! {
        <ContextProvider<RouterContext> {context}>{ props.children.clone() }</ContextProvider<RouterContext>>
    }
}

#[hook]
fn use_router() -> RouterContext {
    use_context::<RouterContext>().expect("the app's frame provides the router")
}

/// Where the app is.
#[hook]
pub fn use_location() -> Rc<Location> {
    use_router().location
}

/// The screen the app shows.
#[hook]
pub fn use_route() -> Route {
    use_router().location.route.clone()
}

/// Goes to other screens.
#[hook]
pub fn use_navigator() -> Navigator {
    use_router().navigator
}

#[derive(Properties, PartialEq)]
pub struct LinkProps {
    pub to: Route,
    /// The query of the address, without the `?`.
    #[prop_or_default]
    pub query: Option<AttrValue>,
    #[prop_or_default]
    pub classes: Classes,
    #[prop_or_default]
    pub children: Html,
}

/// A link to a screen of the app: a real link (it can be opened in a new tab or copied), which
/// a plain click follows without reloading the app.
#[component]
pub fn Link(props: &LinkProps) -> Html {
    let navigator = use_navigator();
    let href = navigator.href(&props.to, props.query.as_deref());
    let onclick = {
        let (to, query) = (props.to.clone(), props.query.clone());
        Callback::from(move |e: MouseEvent| {
            let plain = e.button() == 0 && !(e.ctrl_key() || e.meta_key() || e.shift_key());
            if plain && !e.alt_key() {
                e.prevent_default();
                navigator.go(&to, query.as_deref(), false);
            }
        })
    };
    html! {
        <a {href} class={props.classes.clone()} {onclick}>{ props.children.clone() }</a>
    }
}

#[derive(Properties, PartialEq)]
pub struct RedirectProps {
    pub to: Route,
}

/// Sends the app to `to` in place of where it is.
#[component]
pub fn Redirect(props: &RedirectProps) -> Html {
    let navigator = use_navigator();
    use_effect_with(props.to.clone(), move |to| navigator.replace(to));
    html! {}
}
