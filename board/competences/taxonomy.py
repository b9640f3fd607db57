"""The cluster's competence taxonomy: areas and the competences in each, loaded by `board init`."""


def N_(text: str) -> str:
    """Marks a name for the catalogs; it is translated where it is shown (`competence_name`)."""
    return text


TAXONOMY: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        N_("Languages and frameworks"),
        (
            N_("Python"),
            N_("Django"),
            N_("Java"),
            N_("Spring Boot"),
            N_("Kotlin"),
            N_(".NET / C#"),
            N_("TypeScript"),
            N_("React"),
            N_("Angular"),
        ),
    ),
    (
        N_("Cloud and DevOps"),
        (
            N_("AWS"),
            N_("Microsoft Azure"),
            N_("Google Cloud Platform"),
            N_("Kubernetes"),
            N_("Docker"),
            N_("Terraform"),
            N_("CI/CD pipelines"),
            N_("Linux administration"),
            N_("Site reliability engineering"),
        ),
    ),
    (
        N_("Data and AI"),
        (
            N_("Data engineering"),
            N_("Apache Spark"),
            N_("Data warehousing"),
            N_("PostgreSQL"),
            N_("Power BI"),
            N_("Machine learning"),
            N_("Computer vision"),
            N_("Natural language processing"),
            N_("LLM integration"),
        ),
    ),
    (
        N_("Security"),
        (
            N_("Penetration testing"),
            N_("ISO 27001 implementation"),
            N_("Security operations (SOC)"),
            N_("Incident response"),
            N_("Identity and access management"),
            N_("Cloud security"),
            N_("Secure code review"),
            N_("NIS2 compliance"),
            N_("GDPR compliance"),
        ),
    ),
    (
        N_("ERP and CRM"),
        (
            N_("SAP S/4HANA"),
            N_("SAP ABAP development"),
            N_("SAP Fiori"),
            N_("Microsoft Dynamics 365"),
            N_("Salesforce"),
            N_("Odoo"),
            N_("Comarch ERP"),
            N_("HubSpot"),
        ),
    ),
    (
        N_("Embedded and IoT"),
        (
            N_("Embedded C/C++"),
            N_("Yocto Linux"),
            N_("FreeRTOS"),
            N_("AUTOSAR"),
            N_("PLC programming"),
            N_("PCB design"),
            N_("OPC UA integration"),
            N_("Bluetooth Low Energy"),
        ),
    ),
    (
        N_("UX and design"),
        (
            N_("UX research"),
            N_("Figma prototyping"),
            N_("UI design"),
            N_("Design systems"),
            N_("Accessibility audit (WCAG)"),
            N_("Usability testing"),
            N_("Service design"),
            N_("Motion design"),
        ),
    ),
    (
        N_("QA and testing"),
        (
            N_("Manual testing"),
            N_("Test automation"),
            N_("Selenium"),
            N_("Playwright"),
            N_("Cypress"),
            N_("API testing"),
            N_("Performance testing"),
            N_("Mobile app testing"),
        ),
    ),
    (
        N_("Project management"),
        (
            N_("Scrum Master"),
            N_("Product ownership"),
            N_("Business analysis"),
            N_("PRINCE2"),
            N_("PMP project management"),
            N_("SAFe"),
            N_("IT service management (ITIL)"),
            N_("EU-funded project management"),
        ),
    ),
    (
        N_("Game development"),
        (
            N_("Unity"),
            N_("Unreal Engine"),
            N_("Godot"),
            N_("Game design"),
            N_("Level design"),
            N_("3D art and animation"),
            N_("Console porting"),
            N_("Multiplayer networking"),
        ),
    ),
)
