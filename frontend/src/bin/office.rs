//! The staff app's office, served under `/o/`: the business's settings, team, products,
//! companies, audit log and saved messages, and the person's account. Staff open it seldom, so
//! the dashboard they keep open all day (`staff.rs`) carries none of it; its frame and tabs are
//! the dashboard's, and everything else sends them there.

use sideline_frontend::app::{Elsewhere, Frame, Kind, Route};
use sideline_frontend::components::staff_shell::staff_page;
use sideline_frontend::pages::{account::Account, audit, business, templates};
use sideline_frontend::pages::{products::Products, staff::Team};
use yew::prelude::*;

fn main() {
    sideline_frontend::run::<App>();
}

#[component]
fn App() -> Html {
    html! { <Frame kind={Kind::Office} render={Callback::from(switch)} /> }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Account => staff_page(html! { <Account /> }),
        Route::Products => staff_page(html! { <Products /> }),
        Route::Team => staff_page(html! { <Team /> }),
        Route::Companies => staff_page(html! { <business::Companies /> }),
        Route::Settings => staff_page(html! { <business::SettingsPage /> }),
        Route::Audit => staff_page(html! { <audit::AuditLog /> }),
        Route::Templates => staff_page(html! { <templates::Templates /> }),
        // The dashboard's: signing in, the inbox, clients and the rest.
        route => html! { <Elsewhere kind={Kind::Staff} {route} /> },
    }
}
