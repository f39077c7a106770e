/** Agents read orders freely; writes wait for a human approval, which operators may give. */
export const WRITES_NEED_APPROVAL = `
@id("agents-read")
permit (principal, action == Action::"issue", resource == Provider::"orders-api")
when { principal.path like "/agents/*" && context.scope == ["orders:read"] };

@id("writes-need-approval")
@approval("required")
permit (principal, action == Action::"issue", resource == Provider::"orders-api")
when { principal.path like "/agents/*" && context.scope.contains("orders:write") };

@id("operators-approve")
permit (principal, action == Action::"admin.approve", resource)
when { principal.path like "/operators/*" };
`;
