"""HR callbacks: the queue flow that delivers each terminal outcome to the HR system, signed.

The flows publish outcomes (``shared.outcomes``) onto the HR callback queue when
``HR_CALLBACK_URL`` is set. One message, started by ``trigger``: ``delivery`` parses it, completes
HR's ``externalRef`` from the onboarding record when the publishing flow knew only the guest id,
and POSTs the body signed as Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``); a 2xx answer is done, anything else raises so the host retries, then moves
the message to the poison queue, with the reason audited. Beside it: ``settings`` and ``deps``.
"""
