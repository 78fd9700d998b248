// ClientMonitor on Azure: one resource group per azd environment, everything else in resources.bicep.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('The azd environment name; it names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption with the dotnet-isolated 10.0 runtime (see infra/README.md).')
param location string

@description('Object id of the person deploying (azd fills it): gets data access to storage and Key Vault for troubleshooting. Empty to skip.')
param principalId string = ''

@description('Deploy an Azure OpenAI account and model for classification and insights (otherwise the rule-based classifier runs).')
param deployOpenAi bool = true

@description('The OpenAI model to deploy and its version.')
param openAiModel string = 'gpt-4o-mini'
param openAiModelVersion string = '2024-07-18'

@description('Deployment capacity in thousands of tokens per minute.')
param openAiCapacity int = 10

@description('Audience (application id URI) that API tokens must carry; the Entra app registration is created as infra/README.md says.')
param authAudience string = 'api://clientmonitor'

@description('Alert email recipients, comma-separated (ALERT_RECIPIENTS). Empty: no alert emails.')
param alertRecipients string = ''

@description('Slack channel for alerts (with the SLACK_TOKEN secret).')
param slackChannel string = ''

@description('Generic alert webhook URL (signed with WEBHOOK_SECRET).')
param webhookUrl string = ''

@description('Google Programmable Search engine id (with GOOGLE_API_KEY).')
param googleEngineId string = ''

@minValue(0)
@maxValue(3)
@description('Always-ready instances for the Flex `durable` group (orchestrations and activities). Microsoft recommends 1 for Durable on the Azure Storage provider; each is billed while idle (infra/README.md). 0: scale to zero.')
param durableAlwaysReadyInstances int = 1

// Third-party secrets: each goes to Key Vault and is referenced from app settings only when set (azd env set NAME value).
@secure()
param newsApiKey string = ''
@secure()
param serperApiKey string = ''
@secure()
param googleApiKey string = ''
@secure()
param salesforceClientId string = ''
@secure()
param salesforceClientSecret string = ''
@secure()
param salesforceRefreshToken string = ''
@secure()
param hubSpotAccessToken string = ''
@secure()
param slackToken string = ''
@secure()
param webhookSecret string = ''
@secure()
@description('Signs email open/click links; scripts/azd-preprovision.sh makes one once per environment.')
param emailTrackingKey string

var tags = { 'azd-env-name': environmentName }

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    location: location
    tags: tags
    principalId: principalId
    deployOpenAi: deployOpenAi
    openAiModel: openAiModel
    openAiModelVersion: openAiModelVersion
    openAiCapacity: openAiCapacity
    authAudience: authAudience
    alertRecipients: alertRecipients
    slackChannel: slackChannel
    webhookUrl: webhookUrl
    googleEngineId: googleEngineId
    newsApiKey: newsApiKey
    serperApiKey: serperApiKey
    googleApiKey: googleApiKey
    salesforceClientId: salesforceClientId
    salesforceClientSecret: salesforceClientSecret
    salesforceRefreshToken: salesforceRefreshToken
    hubSpotAccessToken: hubSpotAccessToken
    slackToken: slackToken
    webhookSecret: webhookSecret
    emailTrackingKey: emailTrackingKey
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = resources.outputs.functionAppName
output API_URL string = resources.outputs.apiUrl
output APPLICATIONINSIGHTS_NAME string = resources.outputs.appInsightsName
output DASHBOARD_URL string = resources.outputs.workbookUrl
output KEY_VAULT_NAME string = resources.outputs.keyVaultName
output EMAIL_SENDER string = resources.outputs.emailSender
