//! On a client's card: who coaches them. The owner and admins change it; others read it.

use crate::components::field::FormError;
use crate::hooks::{use_fetch, use_session};
use crate::services::api;
use shared::UserId;
use shared::model::{Client, Role};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CoachPickerProps {
    pub client: UserId,
    pub coach_id: Option<UserId>,
    pub onchanged: Callback<Client>,
}

#[component]
pub fn CoachPicker(props: &CoachPickerProps) -> Html {
    let session = use_session();
    let assigns = session
        .current()
        .is_some_and(|s| shared::rules::can_manage_business(s.user.role).is_ok());
    let fetch = use_fetch((), |_| async {
        let staff = api::staff().await?.items;
        Ok(staff
            .into_iter()
            // A deactivated coach is no one's pick.
            .filter(|s| s.role == Role::Coach && s.active)
            .collect::<Vec<_>>())
    });
    let error = use_state(|| None::<String>);
    let coaches = fetch.data().cloned().unwrap_or_default();
    let current = props
        .coach_id
        .and_then(|id| coaches.iter().find(|c| c.id == id))
        .map(|c| c.name.clone());
    if !assigns || coaches.is_empty() {
        return html! { <>{ current.unwrap_or_else(|| "—".into()) }</> };
    }
    let onchange = {
        let (client, error, onchanged) = (props.client, error.clone(), props.onchanged.clone());
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            let coach = value.parse().ok();
            let (error, onchanged) = (error.clone(), onchanged.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::assign_coach(client, coach).await {
                    Ok(c) => {
                        error.set(None);
                        onchanged.emit(c);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <>
            <select aria-label="Coach" {onchange}>
                <option value="" selected={props.coach_id.is_none()}>{ "No coach" }</option>
                { for coaches.iter().map(|c| html! {
                    <option value={c.id.to_string()} selected={props.coach_id == Some(c.id)}>{ c.name.clone() }</option>
                }) }
            </select>
            <FormError error={(*error).clone()} />
        </>
    }
}
